"""Training the shipped answer scorers on SQuAD dev's even articles: `python -m qa.measure.train FILE`."""
