"""Lanes: from a trained SCNN model's outputs to lanes on the road, and the benchmarks' own metrics."""
