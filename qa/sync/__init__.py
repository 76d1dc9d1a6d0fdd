"""Sync: bring an index in line with a folder (whole versions or deltas), watch it, and add uploads."""
