"""Embed: the sentence-transformers model (or its int8 ONNX copy), its caches, and a build's progress."""
