"""What is written from specs and nets: text from templates (render, with cache), the SCNN block
(scnn), hosts and stacks (backbone, stack), a block spliced into a host (splicing), the lane model
(lane), and ONNX models with their weights (onnx_export, weights)."""
