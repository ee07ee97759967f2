"""What a person reads: the analysis as a table, JSON or CSV (report), info's description, the net
drawn (draw), and the figures (plot, the only importer of matplotlib)."""
