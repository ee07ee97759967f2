"""What is computed from a net: shapes, receptive fields (fields, runs), spatial scale, the analysis
that joins them with cost and memory, and what is built on it (profiles, match, effective_field)."""
