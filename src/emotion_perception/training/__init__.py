"""Training, evaluation and export of EmotiPoseformer (imports torch; the node never imports this)."""

# The parts of `make evaluate` (training.evaluate), named here so the CLI can offer them without
# importing torch.
EVALUATION_PARTS = ("cross_source", "content_folds", "ablation")
# What `make evaluate` runs: the ablation trains every idea with every source held out (hours on a
# CPU), so it runs only when asked for (`--parts ablation`); the card says when it last ran.
DEFAULT_PARTS = ("cross_source", "content_folds")
