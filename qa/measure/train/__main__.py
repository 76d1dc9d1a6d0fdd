"""`python -m qa.measure.train FILE`: train the cross-encoder (qa.answer.cross_encoder; or with --heads the
token scorer, qa.answer.token_scorer) on SQuAD dev's even articles, and print its figures."""

from __future__ import annotations

import argparse
from pathlib import Path


def single_thread() -> None:
    """One torch thread: on a busy shared CPU, more threads spin against each other (40x slower here)."""
    import torch

    torch.set_num_threads(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.measure.train", description=" ".join(__doc__.split()))
    parser.add_argument("file", type=Path, help="SQuAD v1.1 dev JSON (only its even-numbered articles are read)")
    parser.add_argument("--cache", type=Path, default=Path(".cache"), help="embedding cache (default ./.cache)")
    parser.add_argument("--out", type=Path, default=None, help="weights file (default: the shipped one)")
    parser.add_argument("--mined", type=Path, default=None, help="reuse (or write) the mined questions here")
    parser.add_argument("--questions", type=int, default=2000, help="even questions to mine, in article order")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--heads", action="store_true", help="train the token scorer's heads (token_scorer.npz) instead"
    )
    parser.add_argument("--steps", type=int, default=600, help="cross-encoder training steps (4 questions each)")
    parser.add_argument("--floor", type=float, default=None, help="cross-encoder decline floor (default: shipped)")
    parser.add_argument("--rank", type=int, default=None, help="cross-encoder: LoRA rank of the adapters "
                        "(default 16; with --soup: cut the averaged deltas to this rank, default exact)")  # fmt: skip
    parser.add_argument("--fit-share", type=float, default=1.0, help="cross-encoder: fit on this first share of "
                        "the fitting questions (for a learning curve)")  # fmt: skip
    parser.add_argument("--paraphrase", action="store_true", help="cross-encoder: also fit on the fitting "
                        "questions reworded by an English-Spanish-English round trip (apertium)")  # fmt: skip
    parser.add_argument("--soup", type=Path, nargs="+", default=None, help="cross-encoder: instead of fitting, "
                        "average these weight files of one recipe (then choose the settings as usual)")  # fmt: skip
    parser.add_argument("--span-weight", type=float, default=None, help="cross-encoder: weight of the phrase "
                        "(start/end) loss against the ranking losses (default 0.5)")  # fmt: skip
    parser.add_argument("--max-top", type=int, default=3, help="cross-encoder: re-read at most this many candidates")
    args = parser.parse_args(argv)
    single_thread()
    if not args.heads:
        from qa.measure.train.cross import FLOOR, train_crossencoder

        args.floor = FLOOR if args.floor is None else args.floor
        return train_crossencoder(args)
    from qa.measure.train.tokens import train_token_heads

    return train_token_heads(args)


if __name__ == "__main__":
    raise SystemExit(main())
