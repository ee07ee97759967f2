"""Lanes: from a trained SCNN model's outputs to lanes on the road (decoding, the datasets' formats,
running), and the benchmarks' own metrics."""
