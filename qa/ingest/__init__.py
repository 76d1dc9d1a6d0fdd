"""Ingest: files into Documents (one reader per format, OCR for scans), sentences, and chunks."""
