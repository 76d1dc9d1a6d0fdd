"""Answer: the sentences of the retrieved passages scored against the question, cited, with the exact phrase."""
