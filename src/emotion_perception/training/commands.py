"""The training subcommands: train (ship a model, or train on your own clips) and evaluate."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from ..core.data_sources import REPOSITORY_ROOT
from . import DEFAULT_PARTS, EVALUATION_PARTS


def register(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="cross-source, content-fold and ablation evaluation")
    evaluate.add_argument("--out", type=Path, default=None,
                          help="folder for metrics.json, table.md and figures (reports/evaluation); with --screen "
                               "a .json file (reports/screening/<recipe>.json); with --source a .json file "
                               "(<source>-scores.json)")
    evaluate.add_argument("--folds", type=int, default=5, help="content folds")
    evaluate.add_argument("--seeds", type=int, default=3, help="training seeds of the cross_source part")
    _add_recipe_options(evaluate)
    evaluate.add_argument("--screen", action="store_true",
                          help="screening: the leave-one-source-out headline with one seed, into its own file")
    evaluate.add_argument("--source", type=Path, default=None,
                          help="score a model on every labelled clip of this source configuration (.yaml)")
    evaluate.add_argument("--model", type=Path, default=None, help="with --source: the model (default: the shipped)")
    evaluate.add_argument("--parts", nargs="+", default=list(DEFAULT_PARTS), choices=EVALUATION_PARTS,
                          help="which parts to run; the others keep their figures in metrics.json")
    evaluate.add_argument("--size-sweep", action="store_true", help="also choose the model size on validation motions")
    evaluate.set_defaults(handler=_evaluate)

    train = commands.add_parser("train", help="train the shipped EmotiPoseformer on all clips and export it")
    train.add_argument("--out", type=Path, default=Path("src/emotion_perception/models"),
                       help="folder for the shipped model, or a .pt path with --clips")
    _add_recipe_options(train)
    train.add_argument("--clips", type=Path, default=None, help="folder of your own .npz clips (docs/CLIP_FORMAT.md)")
    train.add_argument("--taxonomy", type=Path, default=None,
                       help="YAML with your classes, e.g. config/taxonomies/seed9.yaml")
    train.set_defaults(handler=_train)


def _add_recipe_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--recipe", type=Path, default=REPOSITORY_ROOT / "config" / "recipes" / "shipped.yaml",
                        help="recipe file (config/recipes/*.yaml; default: the shipped recipe)")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    parser.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def recipe_with_overrides(args: argparse.Namespace):
    """The recipe file, with --epochs and --seed applied only when given (so that editing a recipe
    is never silently undone by a flag's default)."""
    from .recipe import load_recipe

    recipe = load_recipe(args.recipe)
    changes = {key: getattr(args, key) for key in ("epochs", "seed") if getattr(args, key) is not None}
    return dataclasses.replace(recipe, train=dataclasses.replace(recipe.train, **changes))


def _evaluate(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    recipe = recipe_with_overrides(args)
    seed = recipe.train.seed
    if args.source is not None:
        from .score_source import score_source

        out = args.out or Path(f"{args.source.stem}-scores.json")
        scores = score_source(args.source, args.model, seed, out)
        print(json.dumps({key: scores[key] for key in ("macro_f1", "top1", "clip_top1", "largest_class_share",
                                                       "ece", "arousal_order_ok", "tempo_label_change")}, indent=2))
        print(f"wrote {out}")
        return 0
    if args.screen:
        from .evaluate import screen

        out = args.out or Path("reports/screening") / f"{args.recipe.stem}.json"
        section = screen(out, recipe, seed, progress=not args.quiet)
        print(f"mean held-out macro-F1 {section['mean_macro_f1']:.3f}, clip vote {section['mean_clip_top1']:.3f} "
              f"({section['stamp']['wall_seconds']:.0f} s); wrote {out}")
        return 0
    out = args.out or Path("reports/evaluation")
    from .evaluate import evaluate
    from .figures import plot_projection_vs_real
    from .recipe import CHOSEN

    metrics = evaluate(out, parts=args.parts, folds=args.folds, seed=seed, recipe=recipe, seeds=args.seeds,
                       size_sweep=args.size_sweep, progress=not args.quiet)
    plot_projection_vs_real(out / "projection_vs_mediapipe.png")
    print((out / "table.md").read_text())
    print(f"wrote {out / 'metrics.json'} ({', '.join(args.parts)}), figures and table.md")
    selected = metrics.get("content_folds", {}).get("protocol", {}).get("model_config")
    if args.size_sweep and selected != CHOSEN.to_dict():
        print("validation selected another size than config/recipes/shipped.yaml, which make train ships: "
              "set it there", file=sys.stderr)
        return 1
    return 0


def _train(args: argparse.Namespace) -> int:
    from .train import TrainConfig

    if args.clips:
        from .custom import train_on_clips

        if args.taxonomy is None:
            raise SystemExit("emotion-perception train --clips needs --taxonomy FILE.yaml")
        out = args.out if args.out.suffix == ".pt" else args.out / "emotiposeformer_custom.pt"
        given = {key: getattr(args, key) for key in ("epochs", "seed") if getattr(args, key) is not None}
        path = train_on_clips(sorted(args.clips.glob("*.npz")), args.taxonomy, out, TrainConfig(**given),
                              progress=not args.quiet)
        print(f"trained model: {path}")
        return 0
    import torch

    from .export import train_and_export

    torch.set_num_threads(args.threads)
    recipe = recipe_with_overrides(args)
    path = train_and_export(args.out, recipe, seed=recipe.train.seed, progress=not args.quiet)
    print(f"trained model: {path} (and {path.with_name('emotiposeformer_int8.pt').name})")
    return 0
