"""Running and re-scoring: the verbs that produce scored results."""
