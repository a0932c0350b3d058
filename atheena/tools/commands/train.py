"""`atheena train`: BranchyNet joint training of an early-exit network on MNIST.

The shipped example weights come from this command; it lets users train their own
networks (or retrain the examples) before compiling them.
"""

from __future__ import annotations

from atheena import errors
from atheena.tools.commands.common import floats, load_network, model_arguments, say


def add_parser(sub) -> None:
    tr = sub.add_parser("train", help="train an early-exit network on MNIST (BranchyNet joint loss)",
                        description="Train with the weighted sum of every exit's cross-entropy. Uses the "
                        "folder's train split if it has one, else MNIST test images 0-7999; reports accuracy "
                        "on test images 8000-9999 after every epoch.")
    model_arguments(tr)
    tr.add_argument("--data", required=True, metavar="DIR", help="folder with the MNIST IDX files")
    tr.add_argument("-o", dest="output", required=True, help="where to save the state_dict (.pt)")
    tr.add_argument("--epochs", type=int, default=30)
    tr.add_argument("--batch-size", type=int, default=64)
    tr.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (one-cycle schedule)")
    tr.add_argument("--exit-weights", metavar="W[,W...]", help="loss weight per exit (default 1.0 per early "
                    "exit and 0.3 for the final one, as ATHEENA)")
    tr.add_argument("--seed", type=int, default=0, help="seeds initialisation, shuffling and augmentation")


def cmd_train(args) -> int:
    import io

    import torch

    from atheena.data import calibration_set, training_set
    from atheena.fileio import write_atomic_bytes
    from atheena.train import TrainConfig, train

    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        raise errors.AtheenaError("--epochs and --batch-size must be at least 1 and --lr positive")
    # examples start from fresh weights seeded by --seed (or from --weights), never from the shipped ones
    torch.manual_seed(args.seed)
    from atheena.frontend.onnx_import import is_onnx

    if is_onnx(args.model):
        raise errors.AtheenaError(f"atheena train trains PyTorch models; {args.model} is an ONNX file, whose weights "
                                  "are fixed. Train the network in PyTorch and export it again")
    model, label, _, shape = load_network(args, use_shipped_weights=False)
    train_data, eval_data = training_set(args.data), calibration_set(args.data)
    if tuple(train_data.images.shape[1:]) != tuple(shape):
        raise errors.AtheenaError(f"the data's images are {'x'.join(map(str, train_data.images.shape[1:]))} but "
                                  f"{label} expects {'x'.join(map(str, shape))}")
    weights = parse_weights(args.exit_weights) if args.exit_weights else None
    say(args, f"training {label} on {train_data.description}; evaluating on {eval_data.description}")

    def progress(r):
        acc = " / ".join(f"{a * 100:.2f}%" for a in r.accuracy)
        say(args, f"epoch {r.epoch}/{args.epochs}: loss {r.loss:.4f}, accuracy per exit {acc} ({r.seconds:.1f} s)")

    try:
        train(model, train_data, eval_data, TrainConfig(args.epochs, args.batch_size, args.lr, exit_weights=weights,
                                                        seed=args.seed), progress)
    except ValueError as err:
        raise errors.AtheenaError(str(err)) from None
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    write_atomic_bytes(args.output, buffer.getvalue())
    say(args, f"saved weights -> {args.output}")
    return 0


def parse_weights(text: str) -> list[float]:
    values = floats(text, "--exit-weights")
    if any(v < 0 for v in values):
        raise errors.AtheenaError(f"--exit-weights '{text}' must not be negative")
    return values
