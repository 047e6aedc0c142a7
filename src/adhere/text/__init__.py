"""Text utilities: the one definition of word, sentence, paragraph and language."""
