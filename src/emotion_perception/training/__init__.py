"""Training, evaluation and export of EmotiPoseformer (imports torch; the node never imports this)."""

# The parts of `make evaluate` (training.evaluate), named here so the CLI can offer them without
# importing torch.
EVALUATION_PARTS = ("cross_source", "content_folds", "ablation")
