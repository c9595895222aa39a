"""Names the detection recognises, signatures, and wiring a function's parameters to values.

Names only *propose* bindings: which one is used is decided by probing the
forward pass against the reference (:mod:`grader.binding.probe`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence


def _names(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{pattern})$", re.IGNORECASE)


X_NAME = _names(r"x|xs|x_?(?:train|batch|in|input|data)|inputs?|input_?data|data|features|a0|a_0|a_?in")
Y_NAME = _names(r"y|ys|y_?(?:true|train|batch|target|real|actual)|t|targets?|labels?|true|expected|desired|"
                r"ground_?truth|y_?one_?hot")
LR_NAME = _names(r"lr|learning_?rate|alpha|eta|rate|step_?size|l_?rate|learn_?rate")
OUTPUT_NAME = _names(r"y_?pred(?:icted|iction)?|y_?hat|pred(?:s|iction|ictions)?|outputs?|out|o|a_?out|al|a_?l|"
                     r"probs?|probabilities|y_?out|final_?output|output_?layer|activation_?output|yp")
CACHE_NAME = _names(r"caches?|memory|store|forward_?cache|activations|acts|trace|history")
GRADS_NAME = _names(r"grads?|gradients?|d_?params|derivatives|deltas|d_?parameters")
PARAMS_NAME = _names(r"params|parameters|weights_?and_?biases|theta|network|net|model|p|param_?dict|nn")
WEIGHT_LIST_NAME = _names(r"w|ws|weights|weight_?list|weight_?matrices|thetas|kernels")
BIAS_LIST_NAME = _names(r"b|bs|biases|bias_?list|bias_?vectors")
EPOCHS_NAME = _names(r"epochs?|n_?epochs|num_?epochs|iterations?|n_?iter(?:ations)?|iters|num_?iter(?:ations)?|steps")
SIZES_NAME = _names(r"layers|layer_?sizes|sizes|layer_?dims|dims|architecture|shape|structure|topology|"
                    r"layer_?size|nodes|units|neurons|layer_?list|net_?shape|layer_?dimensions")
INPUT_SIZE = re.compile(r"^(?:n_?x|n_?i|d_?in|nin|ni|(?:n_|num_)?in(?:put)?\w*)$", re.IGNORECASE)
OUTPUT_SIZE = re.compile(r"^(?:n_?y|n_?o|d_?out|nout|no|(?:n_|num_)?out(?:put)?\w*|(?:n_|num_)?classes)$",
                         re.IGNORECASE)
HIDDEN_SIZE = re.compile(r"^(?:n_?h\d*|h\d*|nh\d*|d_?h\w*|(?:n_|num_)?hid(?:den)?\w*|\w*size\d*|n_?\d+|"
                         r"layer\d+\w*|units?\d*|neurons?\d*|nodes?\d*)$", re.IGNORECASE)

FORWARD = ("forward", "feedforward", "feed_forward", "forward_pass", "forward_propagation", "forward_prop",
           "forwardprop", "forward_propagate", "propagate", "l_model_forward", "model_forward", "predict", "__call__")
BACKWARD = ("backward", "backprop", "back_prop", "backward_pass", "backpropagation", "back_propagation",
            "backward_propagation", "backward_prop", "backpropagate", "l_model_backward", "model_backward",
            "compute_gradients", "gradients", "train_step", "training_step", "fit_step", "step", "train_once",
            "train_one_step", "train_epoch", "train", "fit")
UPDATE = ("update", "update_parameters", "update_params", "update_weights", "apply_gradients", "gradient_descent",
          "sgd", "sgd_step", "optimize", "optimise", "optimizer_step", "apply_update", "update_network")
LOSS = ("loss", "compute_loss", "compute_cost", "cost", "mse", "mse_loss", "mean_squared_error", "loss_fn",
        "calculate_loss", "calc_loss", "get_loss", "cross_entropy", "cross_entropy_loss", "bce", "bce_loss",
        "binary_cross_entropy", "log_loss", "categorical_cross_entropy", "softmax_cross_entropy", "ce_loss", "error")
INIT = ("initialize_parameters", "initialise_parameters", "init_params", "init_parameters", "initialize_params",
        "initialise_params", "initialize_weights", "initialise_weights", "init_weights", "initialize",
        "initialise", "init_network", "initialize_network", "initialise_network", "create_network",
        "build_network", "make_network", "init", "init_model", "initialize_model", "setup")
TRAIN_LOOP = ("train", "fit")


@dataclass(frozen=True)
class Param:
    """One parameter of a signature."""

    name: str
    default: bool = False
    kind: str = "positional"  # positional, positional-only, keyword-only, var-positional, var-keyword


@dataclass(frozen=True)
class Signature:
    """A parsed signature (``self`` excluded for methods)."""

    params: tuple[Param, ...] = ()

    @property
    def required(self) -> list[Param]:
        return [p for p in self.params if not p.default and p.kind in ("positional", "positional-only",
                                                                        "keyword-only")]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params if p.kind not in ("var-positional", "var-keyword")]

    @property
    def open_keywords(self) -> bool:
        return any(p.kind == "var-keyword" for p in self.params)

    def text(self) -> str:
        return "(" + ", ".join(p.name + ("=..." if p.default else "") for p in self.params) + ")"


def _split_top(text: str) -> list[str]:
    """Split at commas that are not inside brackets or quotes."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def parse_signature(text: str | None, *, method: bool = False) -> Signature | None:
    """A signature string such as ``(self, X, y, lr=0.5, *, verbose=False)``; ``self`` dropped for methods."""
    if not text or not text.startswith("("):
        return None
    inner = text[1:text.rfind(")")] if ")" in text else text[1:]
    params: list[Param] = []
    keyword_only = False
    for raw in _split_top(inner):
        piece = raw.strip()
        if piece == "/":
            params = [Param(p.name, p.default, "positional-only") for p in params]
            continue
        if piece == "*":
            keyword_only = True
            continue
        name = re.split(r"[:=]", piece, maxsplit=1)[0].strip()
        default = "=" in piece.split(":", 1)[-1] or "=" in piece and ":" not in piece
        if name.startswith("**"):
            params.append(Param(name[2:], True, "var-keyword"))
        elif name.startswith("*"):
            params.append(Param(name[1:], True, "var-positional"))
            keyword_only = True
        elif name.isidentifier():
            params.append(Param(name, default, "keyword-only" if keyword_only else "positional"))
    if method and params and params[0].kind in ("positional", "positional-only"):
        params = params[1:]
    return Signature(tuple(params))


def strip_gradient(name: str) -> str:
    """``dW1``, ``grad_W1``, ``dw1``, ``W1_grad``, ``delta_W1`` -> the parameter's name."""
    for pattern in (r"^(?:grad(?:ient)?s?_?|delta_?|d_?)(.+)$", r"^(.+?)_?(?:grad(?:ient)?|_d)$"):
        match = re.match(pattern, name, re.IGNORECASE)
        if match:
            return match.group(1)
    return name


def same_name(a: str, b: str) -> bool:
    return a.lower().replace("_", "") == b.lower().replace("_", "")


@dataclass(frozen=True)
class Source:
    """A value a parameter can be wired to: a kind the plan knows, with where to find it."""

    kind: str  # X, Y, Y_pred, lr, root (the state), global (passed by reference), result, const, omit
    key: str = ""
    path: tuple[tuple[str, Any], ...] = ()
    value: Any = None


@dataclass(frozen=True)
class Pool:
    """What is available when a function is called, by name and by role."""

    state: Mapping[str, Source]  # the student's names of parameters and containers
    results: Mapping[str, Source] = None  # type: ignore[assignment]  # names of earlier calls' results
    output: Source | None = None  # the forward output
    cache: Source | None = None  # a forward result that is not the output (a cache)
    grads: Source | None = None  # the whole gradients result
    leftovers: tuple[Source, ...] = ()  # unnamed results, in order, for positional filling
    epochs: bool = False  # an ``epochs`` parameter may be set to 1

    def named(self) -> Mapping[str, Source]:
        return self.results or {}


def wire(signature: Signature, pool: Pool) -> list[tuple[Param, Source]] | None:
    """Each parameter's source, or None when a required one cannot be wired."""
    wired: list[tuple[Param, Source]] = []
    used: set[Source] = set()
    pending: list[Param] = []
    for param in signature.params:
        if param.kind in ("var-positional", "var-keyword"):
            continue
        source = _source_for(param, pool)
        if source is None and not param.default:
            pending.append(param)
            wired.append((param, Source("omit")))
            continue
        wired.append((param, source or Source("omit")))
        if source is not None:
            used.add(source)
    leftovers = [s for s in pool.leftovers if s not in used]
    for param in pending:
        if not leftovers:
            return None
        source = leftovers.pop(0)
        wired = [(p, source if p == param else s) for p, s in wired]
    return wired


def _source_for(param: Param, pool: Pool) -> Source | None:
    """``X``/``Y`` themselves, then a state or result of exactly that name (a forward may return ``inputs``),
    then the roles of names, then names that differ only in case or underscores."""
    name = param.name
    if name in ("X", "x", "Y", "y"):
        return Source(name.upper())
    for table in (pool.state, pool.named()):
        if name in table:
            return table[name]
    if X_NAME.match(name):
        return Source("X")
    if Y_NAME.match(name):
        return Source("Y")
    if LR_NAME.match(name):
        return Source("lr")
    for table in (pool.state, pool.named()):
        for key, source in table.items():
            if same_name(key, name):
                return source
    if pool.output is not None and OUTPUT_NAME.match(name):
        return pool.output
    if pool.cache is not None and CACHE_NAME.match(name):
        return pool.cache
    if pool.grads is not None and GRADS_NAME.match(name):
        return pool.grads
    if pool.epochs and EPOCHS_NAME.match(name):
        return Source("const", value=1)
    return None


def call_arguments(wired: Sequence[tuple[Param, Source]]) -> tuple[list[tuple[Param, Source]],
                                                                   list[tuple[Param, Source]]]:
    """Positional arguments while they are contiguous, the rest by keyword (omitted ones dropped)."""
    positional: list[tuple[Param, Source]] = []
    keywords: list[tuple[Param, Source]] = []
    by_keyword = False
    for param, source in wired:
        if source.kind == "omit":
            by_keyword = True
            continue
        if by_keyword or param.kind == "keyword-only":
            keywords.append((param, source))
        else:
            positional.append((param, source))
    return positional, keywords


def first_present(candidates: Iterable[str], available: Iterable[str]) -> list[str]:
    """``candidates`` that are in ``available`` (case-insensitively), in the candidates' order, as spelt there."""
    lookup = {a.lower(): a for a in available}
    return [lookup[c.lower()] for c in candidates if c.lower() in lookup]
