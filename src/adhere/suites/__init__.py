"""Files and datasets -> validated samples."""
