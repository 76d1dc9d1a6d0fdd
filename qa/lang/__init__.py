"""Languages: which one a text is in, offline machine translation (apertium), and questions across languages."""
