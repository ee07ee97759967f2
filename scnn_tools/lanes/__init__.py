"""Lane detection with a trained SCNN lane model: decoding, the datasets' formats, running, evaluating."""
