"""Documents: figures and records rendered to files (plain data in, a private file out)."""
