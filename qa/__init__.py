"""qa: offline question answering over a folder of documents, with checkable citations."""

__version__ = "0.1.0"
