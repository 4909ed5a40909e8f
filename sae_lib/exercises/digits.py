"""Notebook 08 (digits): the objective written one example at a time (the starting point
of UFLDL's vectorisation exercise) and the checkers of its exercises.
"""

from __future__ import annotations

import io as _io
import linecache as _linecache
import sys as _sys
import tokenize as _tokenize
import types as _types

import numpy as np

from ..objective import initialize_parameters as _initialize_parameters
from ..objective import kl_divergence as _kl_divergence
from ..objective import pack_parameters as _pack
from ..objective import sigmoid as _sigmoid
from ..objective import sparse_autoencoder_cost as _cost
from ..objective import unpack_parameters as _unpack
from .feedback import Feedback, as_scalar, call_learner

__all__ = ["ON_THRESHOLD", "check_fewest_units", "check_rho_for_digits", "check_vectorized_cost",
           "check_distinct_filters", "distinct_filters", "ink_coverage",
           "loop_sparse_autoencoder_cost", "units_by_digit"]

_SIZES = (50, 150)        # numbers of examples at which the vectorisation check counts steps

#: The activation above which notebook 08 calls a sigmoid unit "on". Sigmoid units have no
#: true zero (f(z) > 0 for every z), so any such threshold is a choice, not a property of
#: the model; 0.5 -- "more on than off", f(z) > 0.5 exactly when z > 0 -- is the one used
#: here, and the notebook shows how the counts move when it changes.
ON_THRESHOLD = 0.5


def loop_sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                 beta, data):
    """The sparse autoencoder objective computed one example at a time.

    This is how backpropagation reads in the CS294A notes, and how a first implementation
    usually looks: a loop over the examples to get rho_hat, then a second loop in which
    each example gets its forward pass, its deltas and its share of the gradient. It
    returns the same ``(cost, grad)`` as :func:`sae_lib.sparse_autoencoder_cost`, but the
    Python loops run 2m times -- notebook 08's exercise turns them into matrix products.
    """
    W1, W2, b1, b2 = _unpack(theta, visible_size, hidden_size)
    data = np.asarray(data, dtype=float)
    m = data.shape[1]
    rho = sparsity_param

    # Loop 1: rho_hat, the average activation of each hidden unit over all examples.
    rho_hat = np.zeros(hidden_size)
    for i in range(m):
        x = data[:, i]
        rho_hat += _sigmoid(W1 @ x + b1)
    rho_hat /= m
    sparsity = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))   # same for every example

    # Loop 2: each example's error, its deltas and its share of the gradient.
    squared_error = 0.0
    W1grad, W2grad = np.zeros_like(W1), np.zeros_like(W2)
    b1grad, b2grad = np.zeros_like(b1), np.zeros_like(b2)
    for i in range(m):
        x = data[:, i]
        a2 = _sigmoid(W1 @ x + b1)
        a3 = _sigmoid(W2 @ a2 + b2)
        squared_error += 0.5 * np.sum((a3 - x) ** 2)
        delta3 = (a3 - x) * a3 * (1 - a3)
        delta2 = (W2.T @ delta3 + sparsity) * a2 * (1 - a2)
        W1grad += np.outer(delta2, x)
        W2grad += np.outer(delta3, a2)
        b1grad += delta2
        b2grad += delta3

    cost = (squared_error / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(_kl_divergence(rho, rho_hat)))
    return cost, _pack(W1grad / m + lambda_ * W1, W2grad / m + lambda_ * W2,
                           b1grad / m, b2grad / m)


def _counted_call(fn, *args):
    """Call ``fn(*args)`` and count the Python-level work it does, wherever it happens.

    Two hooks of the interpreter watch the call: ``sys.settrace`` sees every line executed
    in every Python frame -- the learner's cell, the library, numpy's Python wrappers --
    and a loop triggers a line event each time it jumps back to its first line, one per
    iteration even for a one-line loop or a comprehension; ``sys.setprofile`` sees every
    call of a C function (``np.dot``, ``np.exp``, ...) made from Python code.

    Returns ``(result, counts)``. ``counts`` maps ``(via, filename, lineno)`` to a number
    of events: ``filename`` is the file of the executed line, or ``"<C>name"`` /
    ``"<call>name"`` for a call of the C / Python function ``name`` (keyed by the calling
    line); ``via`` is ``None`` for work in ``fn``'s own code (its frame and the
    comprehensions and functions defined in it, when fn itself runs them), else
    ``(callee, line)``: the function ``fn`` called to get there and the line of ``fn``
    that called it. Matrix code does the same work whatever
    the number of examples m; a loop over the examples adds at least one event per
    example. The previous trace and profile functions are restored, also when ``fn``
    raises.
    """
    own_code = getattr(fn, "__code__", None)
    nested, todo = set(), [own_code] if own_code is not None else []
    while todo:              # code defined inside fn: comprehensions, generators, lambdas
        for const in todo.pop().co_consts:
            if isinstance(const, _types.CodeType):
                nested.add(const)
                todo.append(const)
    counts, via_of = {}, {}

    def count(frame, filename, lineno):
        key = (via_of.get(frame), filename, lineno)
        counts[key] = counts.get(key, 0) + 1

    def local(frame, event, arg):
        if event == "line":
            count(frame, frame.f_code.co_filename, frame.f_lineno)
        return local

    def tracer(frame, event, arg):
        caller = frame.f_back
        if caller is not None and via_of.get(caller, 0) is None:
            count(caller, "<call>" + frame.f_code.co_name, caller.f_lineno)
        if frame.f_code is own_code or (frame.f_code in nested
                                        and via_of.get(caller, 0) is None):
            via_of[frame] = None
        elif caller is not None and via_of.get(caller, 0) is None:
            via_of[frame] = (frame.f_code.co_name, caller.f_lineno)
        elif caller in via_of:
            via_of[frame] = via_of[caller]
        else:           # called from C code that fn called (map, apply...): no Python caller
            via_of[frame] = (frame.f_code.co_name, None)
        return local

    def profiler(frame, event, arg):
        if event == "c_call":
            count(frame, "<C>" + getattr(arg, "__name__", "?"), frame.f_lineno)

    previous_trace, previous_profile = _sys.gettrace(), _sys.getprofile()
    _sys.settrace(tracer)
    _sys.setprofile(profiler)
    try:
        result = fn(*args)
    finally:
        _sys.setprofile(previous_profile)
        _sys.settrace(previous_trace)
    return result, counts


_VECTORISE = ("Replace the loop by matrix products on all columns at once (W1 @ data + "
              "b1[:, None], delta2 @ data.T, sums with axis=1)")


def _loop_over_examples(small, large, m_small, m_large, own_file):
    """Compare the work counted by :func:`_counted_call` at two numbers of examples.

    Returns None if it does not grow with m; else a sentence that names the loop: the
    first line of the learner's own function that runs once per example, or the function
    it calls that loops (and the line that calls it).
    """
    extra = m_large - m_small
    total = sum(large.values()) - sum(small.values())
    if total < extra / 2:          # a loop over the examples adds >= 1 event per example
        return None
    lead = (f"with {m_large} examples instead of {m_small} your function takes {total:,} more "
            f"Python steps (about {total / extra:.0f} per extra example), so something in it "
            "runs once per example")
    grown = {key: g for key in large if (g := large[key] - small.get(key, 0)) >= extra / 2}

    def quote(lineno):
        text = _linecache.getline(own_file, lineno) if own_file and lineno else ""
        try:                                          # drop a trailing comment
            for token in _tokenize.generate_tokens(_io.StringIO(text.lstrip()).readline):
                if token.type == _tokenize.COMMENT:
                    text = text.lstrip()[:token.start[1]]
                    break
        except (_tokenize.TokenError, SyntaxError):
            pass
        text = text.strip()
        return f"`{text}`" if text else f"line {lineno}"

    own = sorted(key[2] for key in grown if key[0] is None and key[1] == own_file)
    if own:                                          # the learner's own loop: its first line
        return f"{lead}: this line runs once per example: {quote(own[0])}. {_VECTORISE}"
    own_c = sorted((key[2], key[1].split(">", 1)[1]) for key in grown
                   if key[0] is None and key[1].startswith(("<C>", "<call>")))
    if own_c:
        lineno, name = own_c[0]
        return (f"{lead}: this line calls {name}() once per example: {quote(lineno)}. "
                f"{_VECTORISE}")
    by_callee = {}
    for key, g in grown.items():
        if key[0] is not None:
            by_callee[key[0]] = by_callee.get(key[0], 0) + g
    if not by_callee:
        return f"{lead}. {_VECTORISE}"
    (callee, lineno), _ = max(by_callee.items(), key=lambda item: item[1])
    if callee == "loop_sparse_autoencoder_cost":
        what = ("it calls loop_sparse_autoencoder_cost, the loop version itself, and lets it "
                "do the work; write the matrix version")
    elif callee in ("apply_along_axis", "vectorize", "__call__", "_vectorize_call"):
        what = (f"the loop is inside {callee}() -- np.apply_along_axis and np.vectorize run "
                "a Python loop over the columns; they are not vectorisation")
    else:
        what = f"the loop is inside {callee}(), which your function calls"
    where = f" (called from {quote(lineno)})" if lineno else ""
    return f"{lead}: {what}{where}. {_VECTORISE}"


def _blocks(grad, visible, hidden):
    return dict(zip(("W1", "W2", "b1", "b2"), _unpack(grad, visible, hidden)))


def _wrong_blocks(got, expected, visible, hidden, rtol=1e-7):
    g, e = _blocks(got, visible, hidden), _blocks(expected, visible, hidden)
    wrong = []
    for name in g:
        scale = max(np.max(np.abs(e[name])), 1e-12)
        if np.max(np.abs(g[name] - e[name])) > rtol * scale:
            wrong.append(name)
    return wrong


def _as_cost_grad(fb, value, n, what):
    if not isinstance(value, tuple) or len(value) != 2:
        fb.fail(f"{what}: return a pair (cost, grad), as sparse_autoencoder_cost does; got "
                f"{type(value).__name__}")
        return None
    cost, grad = value
    try:
        cost = float(np.asarray(cost).item())
    except (TypeError, ValueError):
        fb.fail(f"{what}: the cost must be one number, got shape {np.shape(cost)}")
        return None
    try:
        grad = np.asarray(grad, dtype=float)
    except (TypeError, ValueError):
        kind = (f"a {type(grad).__name__} of {len(grad)} arrays"
                if isinstance(grad, (tuple, list)) else type(grad).__name__)
        fb.fail(f"{what}: grad must be a vector of length {n} laid out like theta "
                f"(pack_parameters(W1grad, W2grad, b1grad, b2grad)); yours is {kind}")
        return None
    if grad.shape != (n,):
        fb.fail(f"{what}: grad must be a vector of length {n} laid out like theta "
                f"(pack_parameters(W1grad, W2grad, b1grad, b2grad)); yours has shape "
                f"{grad.shape}")
        return None
    return cost, grad


def check_vectorized_cost(vectorized_cost):
    """Check a vectorised ``vectorized_cost(theta, visible_size, hidden_size, lambda_,
    sparsity_param, beta, data) -> (cost, grad)`` against the loop version.

    If the result differs, the checker evaluates the function with the weight decay and the
    sparsity penalty switched off and on (lambda_ = 0, beta = 0), so it can say which term
    -- reconstruction error, weight decay, sparsity -- is wrong, in the cost or in which
    gradient blocks. If the result is right, it also checks that the work is vectorised:
    it counts the Python-level steps the function takes (lines executed anywhere, C
    functions called; see :func:`_counted_call`) at m = 50 and m = 150 examples. Matrix code
    takes the same steps whatever m is; a loop over the examples -- a ``for``, a
    comprehension, ``np.apply_along_axis``, or a call of ``loop_sparse_autoencoder_cost`` --
    takes more, and the finding quotes the line that runs once per example.
    """
    from ..data import load_digits

    fb = Feedback("vectorized_cost")
    v, h, m = 64, 9, 200
    data = load_digits()[0][:, :m].copy()
    rng = np.random.default_rng(8)
    theta = _initialize_parameters(h, v, rng)
    theta[2 * h * v:] = rng.normal(0, 0.5, h + v)       # non-zero biases: every term counts
    lambda_, rho, beta = 2e-3, 0.07, 2.5      # not the notebook's values: globals show up
    n = theta.size

    def ref(lam, bet):
        return _cost(theta, v, h, lam, rho, bet, data)

    def learner(lam, bet, what):
        ok, value = call_learner(fb, vectorized_cost, theta.copy(), v, h, lam, rho, bet,
                                 data.copy())
        return _as_cost_grad(fb, value, n, what) if ok else None

    what = f"lambda_ = {lambda_}, rho = {rho}, beta = {beta}, m = {m} digits"
    got = learner(lambda_, beta, what)
    if got is None:
        return fb.report()
    exp_cost, exp_grad = ref(lambda_, beta)
    if (abs(got[0] - exp_cost) <= 1e-9 * abs(exp_cost)
            and not _wrong_blocks(got[1], exp_grad, v, h, rtol=1e-9)):
        # Right; now is it vectorised? Count the work at two numbers of examples.
        counts = []
        for size in _SIZES:
            ok, value = call_learner(fb, _counted_call, vectorized_cost, theta.copy(), v, h,
                                     lambda_, rho, beta, data[:, :size].copy())
            if not ok:
                return fb.report()
            counts.append(value[1])
        own = getattr(getattr(vectorized_cost, "__code__", None), "co_filename", None)
        loop = _loop_over_examples(*counts, *_SIZES, own)
        if loop:
            fb.fail(f"the result is right, but it is not vectorised: {loop}")
        return fb.report()

    # Something differs: find which term.
    parts = {}
    for name, lam, bet in (("none", 0.0, 0.0), ("decay", lambda_, 0.0), ("sparsity", 0.0, beta)):
        g = learner(lam, bet, f"lambda_ = {lam}, beta = {bet}")
        if g is None:
            return fb.report()
        parts[name] = (g, ref(lam, bet))
    (rc, rg), (erc, erg) = parts["none"]
    if (parts["decay"][0][0] == rc and parts["sparsity"][0][0] == rc
            and np.array_equal(parts["decay"][0][1], rg)
            and np.array_equal(parts["sparsity"][0][1], rg)):
        fb.fail("your function returns the same cost and gradient whatever lambda_ and beta "
                "are: it must use its arguments lambda_, sparsity_param and beta, not "
                "variables of the notebook with the same meaning")
        return fb.report()
    unit_sparsity = ref(0.0, 1.0)[1] - erg        # the sparsity gradient at beta = 1
    if (_wrong_blocks(rg, erg, v, h)
            and np.allclose(rg - erg, unit_sparsity, rtol=1e-7, atol=1e-12)):
        fb.fail("with beta = 0 your gradient still contains the sparsity term: beta is "
                "missing from the sparsity term of delta2, which must be beta * (-rho/rho_hat "
                "+ (1-rho)/(1-rho_hat))")
        return fb.report()
    found = False
    # 1. reconstruction term (lambda_ = beta = 0)
    if abs(rc - erc) > 1e-9 * abs(erc):
        found = True
        sq = erc                                          # (1/m) sum 1/2 ||a3 - x||^2
        hints = [(2 * sq, "it is twice the expected: the 1/2 in 1/2 ||a3 - x||^2 is missing"),
                 (m * sq, "it is m times the expected: average over the examples (divide "
                          "the sum by m)"),
                 (sq / 2, "it is half the expected: the 1/2 is applied twice"),
                 (sq / m, "it is 1/m of the expected: divided by m twice?")]
        hint = next((t for val, t in hints if abs(rc - val) <= 1e-9 * abs(val)),
                    f"expected {erc:.6g}, yours is {rc:.6g}")
        fb.fail(f"reconstruction term (the cost with lambda_ = 0, beta = 0): {hint}")
    wrong = _wrong_blocks(rg, erg, v, h)
    if wrong:
        found = True
        g, e = _blocks(rg, v, h), _blocks(erg, v, h)
        ratios = {b: float(np.sum(g[b] * e[b]) / np.sum(e[b] * e[b])) for b in wrong}
        hint = ""
        if all(abs(r - m) < 1e-6 * m for r in ratios.values()):
            hint = ": m times too large -- divide the sums over examples by m"
        elif set(wrong) == {"W1", "b1"}:
            hint = ": W2 and b2 are right, so delta3 is; look at delta2 = (W2.T @ delta3) * f'(z2)"
        elif set(wrong) <= {"b1", "b2"}:
            hint = (": the bias gradients are the deltas summed over the examples "
                    "(axis=1), divided by m")
        right = [b for b in ("W1", "W2", "b1", "b2") if b not in wrong]
        fb.fail(f"reconstruction term, gradient: wrong for {', '.join(wrong)}"
                f"{', right for ' + ', '.join(right) if right else ''}{hint}")
    # 2. weight decay (its own difference to the lambda_ = 0 result)
    (dc, dg), (edc, edg) = parts["decay"]
    W1, W2, b1, b2 = _unpack(theta, v, h)
    decay, edecay = dc - rc, edc - erc
    if abs(decay - edecay) > 1e-9 * abs(edecay):
        found = True
        with_bias = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2) + np.sum(b1**2) + np.sum(b2**2))
        hints = [(2 * edecay, "twice the expected: the weight decay is lambda_/2 times the "
                              "sum of squared weights"),
                 (with_bias, "the biases are included; weight decay applies to W1 and W2 "
                             "only"),
                 (edecay / 2, "half the expected: lambda_/2 (||W1||^2 + ||W2||^2), not "
                              "lambda_/4"),
                 (lambda_ / 2 * np.sum(W1**2), "only W1 is decayed; add ||W2||^2"),
                 (0.0, "it is missing")]
        hint = next((t for val, t in hints if abs(decay - val) <= 1e-9 * max(abs(val), 1e-12)),
                    f"it adds {decay:.6g} to the cost, expected {edecay:.6g}")
        fb.fail(f"weight-decay term (the cost with lambda_ = {lambda_} minus with lambda_ = "
                f"0): {hint}")
    wrong = _wrong_blocks(dg - rg, edg - erg, v, h)
    if wrong:
        found = True
        if set(wrong) <= {"b1", "b2"}:
            hint = "the biases are decayed too; their gradient gets no lambda_ term"
        else:
            hint = "the weight-decay part of the gradient is lambda_ * W1 and lambda_ * W2"
        fb.fail(f"weight-decay term, gradient: wrong for {', '.join(wrong)} -- {hint}")
    # 3. sparsity (its own difference to the beta = 0 result)
    (sc, sg), (esc, esg) = parts["sparsity"]
    sp, esp = sc - rc, esc - erc
    if abs(sp - esp) > 1e-9 * abs(esp):
        found = True
        fb.fail(f"sparsity term (the cost with beta = {beta} minus with beta = 0): it adds "
                f"{sp:.6g}, expected beta * sum_j KL(rho || rho_hat_j) = {esp:.6g}; rho_hat "
                "is the mean of a2 over the examples (axis=1)")
    wrong = _wrong_blocks(sg - rg, esg - erg, v, h)
    if wrong:
        found = True
        ge, ee = _blocks(sg - rg, v, h), _blocks(esg - erg, v, h)
        b = wrong[0]
        ratio = float(np.sum(ge[b] * ee[b]) / np.sum(ee[b] * ee[b]))
        if abs(ratio - 1 / m) < 1e-3 / m:
            hint = ("it is 1/m of the expected: the sparsity term enters delta2 without a "
                    "1/m (the 1/m of rho_hat cancels the 1/m of the average)")
        elif abs(ratio - m) < 1e-3 * m:
            hint = "it is m times the expected: divide the sums over the examples by m"
        elif abs(ratio + 1) < 1e-3:
            hint = "its sign is flipped: delta2 gets + beta (-rho/rho_hat + (1-rho)/(1-rho_hat))"
        elif abs(ratio - 1 / beta) < 1e-3:
            hint = "beta is missing from the sparsity term of delta2"
        else:
            hint = ("it enters delta2 = (W2.T @ delta3 + sparsity[:, None]) * f'(z2) -- "
                    "inside the bracket, so f'(z2) multiplies it too")
        extra = [b for b in wrong if b not in ("W1", "b1")]
        fb.fail(f"sparsity term, gradient: wrong for {', '.join(wrong)}: {hint}"
                + (f" (it should not change {', '.join(extra)} at all)" if extra else ""))
    if not found:
        fb.fail("each term is right on its own, but not all three together: does your "
                "function use its arguments lambda_, sparsity_param and beta (and not "
                "variables of the notebook with the same meaning)?")
    return fb.report()


def check_rho_for_digits(rho):
    """Judge a choice of the sparsity target rho for the 8x8 digits by training with it.

    Trains 49 hidden units on the 1797 digits (lambda_ = 3e-3, beta = 3, 150 L-BFGS
    iterations, seed 0; a second or two) and reports what the code does: how many units
    never pass a2 = 0.5 for any digit, how many pass it for a typical digit, and the
    reconstruction error against that of always answering the average digit. Accepted
    when at most 10% of the units are silent (the code is used) and at most 15% pass 0.5
    for the average digit (the code is sparse). 0.5 is :data:`ON_THRESHOLD`: sigmoid units
    have no true zero, so any "on" threshold is a choice; notebook 08 shows how the counts
    move with it.
    """
    from ..data import load_digits
    from ..training import train

    fb = Feedback("rho for digits")
    if rho is None:
        fb.fail("not answered yet: set rho to your choice, a number between 0 and 1")
        return fb.report()
    try:
        rho = float(rho)
    except (TypeError, ValueError):
        fb.fail(f"rho must be a number between 0 and 1, got {rho!r}")
        return fb.report()
    if not 0 < rho < 1:
        fb.fail(f"rho is a target average activation of a sigmoid unit, strictly between 0 "
                f"and 1; got {rho}")
        return fb.report()
    data = load_digits()[0]
    h = 49
    res = train(data, h, lambda_=3e-3, sparsity_param=rho, beta=3.0, max_iter=150, rng=0,
                progress=False)
    a2 = res.hidden_activations(data)
    on = a2 > ON_THRESHOLD
    silent = int(np.sum(~on.any(axis=1)))
    per_digit = float(on.sum(axis=0).mean())
    err = 0.5 * np.sum((res.reconstruct(data) - data) ** 2) / data.shape[1]
    mean_err = 0.5 * np.sum((data - data.mean(axis=1, keepdims=True)) ** 2) / data.shape[1]
    print(f"rho = {rho:g}: {silent} of {h} units never pass a2 = {ON_THRESHOLD}; "
          f"{per_digit:.2g} units past it for the average digit; reconstruction error "
          f"{err:.3g} (always answering the average digit: {mean_err:.3g}).")
    if silent > 0.1 * h:
        msg = (f"{silent} of the {h} units never pass a2 = {ON_THRESHOLD} for any digit: "
               f"rho = {rho:g} is too small for these digits. The penalty holds every unit's "
               "average activation near rho, but a unit that answers one kind of digit is "
               "active on about a tenth of all digits (each kind is a tenth of the data), so "
               "its average cannot stay that low")
        if err > 0.95 * mean_err:
            msg += ("; the code carries almost nothing -- the reconstruction is no better "
                    "than the average digit")
        fb.fail(msg)
    elif per_digit > 0.15 * h:
        fb.fail(f"{per_digit:.2g} of {h} units ({per_digit / h:.0%}) pass a2 = {ON_THRESHOLD} "
                "for the average "
                f"digit: with rho = {rho:g} the code is no longer sparse. The error is low, but "
                "each unit no longer stands for one part of a digit")
    return fb.report()


# ---------------------------------------------------------------------------------------
# What the digit units are
# ---------------------------------------------------------------------------------------
def ink_coverage(W1, data, top_indices, ink_above=0.5):
    """How much of the ink of its top examples each unit's filter wants: (hidden_size,).

    ``W1`` (hidden_size, visible_size), one filter per row; ``data`` (visible_size, m) with
    values in [0, 1], one digit per column; ``top_indices`` (hidden_size, k), the columns
    of ``data`` that activate each unit most (:func:`sae_lib.features.top_activating`).
    A pixel is ink when its value exceeds ``ink_above``; the filter wants a pixel when its
    weight there is positive (ink there raises z_j = W1[j] @ x + b1[j]). For unit j the
    result is

        (ink pixels of its k top digits where W1[j] > 0) / (ink pixels of those digits),

    pooled over the k digits. A unit that detects one stroke wants the ink of that stroke
    and is indifferent or negative elsewhere: a fraction of the ink. A template of a whole
    digit wants nearly all of it.
    """
    W1 = np.asarray(W1, dtype=float)
    data = np.asarray(data, dtype=float)
    top = np.asarray(top_indices)
    if W1.ndim != 2 or data.ndim != 2 or W1.shape[1] != data.shape[0]:
        raise ValueError(f"W1 must be (hidden_size, visible_size) and data (visible_size, m) "
                         f"with the same visible_size; got W1 {W1.shape} and data "
                         f"{data.shape} (pass result.W1 and the digits, one per column)")
    if (top.ndim != 2 or top.shape[0] != W1.shape[0]
            or not np.issubdtype(top.dtype, np.integer)):
        raise ValueError(f"top_indices must be an integer array (hidden_size, k) = "
                         f"({W1.shape[0]}, k), as top_activating returns; got "
                         f"{top.dtype} {top.shape}")
    if top.size and (top.min() < 0 or top.max() >= data.shape[1]):
        raise ValueError(f"top_indices must be column indices of data, 0..{data.shape[1] - 1}; "
                         f"got values from {top.min()} to {top.max()}")
    ink = data[:, top] > ink_above                       # (visible, hidden, k)
    wanted = (W1.T > 0)[:, :, None] & ink
    n_ink = ink.sum(axis=(0, 2))
    if np.any(n_ink == 0):
        raise ValueError(f"some units' top examples have no pixel above ink_above = "
                         f"{ink_above}; choose a lower ink_above (data in [0, 1] expected)")
    return wanted.sum(axis=(0, 2)) / n_ink


def units_by_digit(top_indices, labels, n_classes=10):
    """The digit each unit belongs to, by majority of its top examples' labels.

    ``top_indices`` (hidden_size, k) as :func:`sae_lib.features.top_activating` returns;
    ``labels`` (m,) the digit of every example. Returns ``(digit, share)``, each
    (hidden_size,): the most common label among unit j's k top examples (ties: the
    smaller digit) and the share of the k that carry it. A unit belongs to a digit when
    more than half of its top examples are that digit (``share > 0.5``); ``digit`` is -1
    for units that belong to none.
    """
    top = np.asarray(top_indices)
    labels = np.asarray(labels)
    if top.ndim != 2 or not np.issubdtype(top.dtype, np.integer):
        raise ValueError(f"top_indices must be an integer array (hidden_size, k); got "
                         f"{top.dtype} {top.shape}")
    if labels.ndim != 1 or (top.size and top.max() >= labels.size):
        raise ValueError(f"labels must be one label per example, shape (m,), with m above "
                         f"every top index; got shape {labels.shape}")
    counts = np.stack([np.bincount(labels[row], minlength=n_classes) for row in top])
    digit = counts.argmax(axis=1)
    share = counts.max(axis=1) / top.shape[1]
    return np.where(share > 0.5, digit, -1), share


def check_fewest_units(answer, model, data, labels, k=9):
    """Exercise 3 of notebook 08: which digit has the fewest units of its own, and how many?

    ``answer``: a pair ``(digit, n_units)``. A unit belongs to a digit when more than half
    of its ``k`` top-activating examples are that digit (:func:`units_by_digit`), as the
    learner reads it off the feature browser's cards. Accepted when ``digit`` is one of the
    digits with the fewest units and ``n_units`` is their number. The report then names the
    units that respond most to that digit on average -- which digits they belong to says
    what the digit is drawn with.
    """
    from ..features import top_activating

    fb = Feedback("fewest units")
    if answer is None:
        fb.fail("not answered yet: set fewest = (digit, number of units whose top nine are "
                "mostly that digit)")
        return fb.report()
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        fb.fail(f"answer with a pair of whole numbers (digit, n_units), e.g. (5, 3); got "
                f"{answer!r}")
        return fb.report()
    digit, n_units = int(answer[0]), int(answer[1])
    if not 0 <= digit <= 9:
        fb.fail(f"the digit must be 0..9, got {digit}")
        return fb.report()
    labels = np.asarray(labels)
    owner, _ = units_by_digit(top_activating(model, data, k=k), labels)
    per_digit = np.bincount(owner[owner >= 0], minlength=10)
    fewest = int(per_digit.min())
    losers = [int(d) for d in np.flatnonzero(per_digit == fewest)]
    mine = [int(j) for j in np.flatnonzero(owner == digit)]
    if digit not in losers:
        fb.fail(f"the {digit} has {per_digit[digit]} unit(s) of its own "
                f"(units {', '.join(map(str, mine))}); some digit has fewer -- keep browsing, "
                "and count for each unit the digit that makes up most of its top nine")
        return fb.report()
    if n_units != fewest:
        fb.fail(f"the {digit} is right, but it has {fewest} unit(s) of its own, not "
                f"{n_units}: a unit belongs to a digit when more than half (5 or more) of "
                f"its top {k} examples are that digit")
        return fb.report()
    a2 = model.hidden_activations(data)
    mean_on_digit = a2[:, labels == digit].mean(axis=1)
    best = np.argsort(mean_on_digit)[::-1][:3]
    used = ", ".join(f"unit {j} (" + (f"a {owner[j]}-unit" if owner[j] >= 0 else "no digit's")
                     + ")" for j in best)
    others = [d for d in losers if d != digit]
    print(f"The {digit} has {fewest} unit(s) of its own"
          + (f" (so do the {', '.join(map(str, others))})" if others else "")
          + (f"; every other digit has at least {int(np.sort(per_digit)[len(losers)])}"
             if len(losers) < 10 else "")
          + f". The units most active on the {digit}s, on average: {used}.")
    return fb.report()


def distinct_filters(W1, threshold=0.95):
    """How many different filters the rows of ``W1`` hold: the number of groups of twins.

    Two units are twins when the cosine similarity of their filters (rows of W1) exceeds
    ``threshold``; a group is every unit linked to another by a chain of twins (the
    connected components of the "twin" graph). ``W1`` (hidden_size, visible_size).
    Returns ``(n_groups, group)``: the count and, per unit, the index of its group
    (0..n_groups-1, numbered in order of each group's first unit).
    """
    W1 = np.asarray(W1, dtype=float)
    if W1.ndim != 2 or W1.shape[0] == 0:
        raise ValueError(f"W1 must be (hidden_size, visible_size), one filter per row; got "
                         f"shape {W1.shape}")
    norms = np.linalg.norm(W1, axis=1)
    if np.any(norms == 0):
        raise ValueError("a filter is all zeros: its cosine similarity is undefined")
    if not -1 < threshold < 1:
        raise ValueError(f"threshold is a cosine similarity, between -1 and 1; got {threshold}")
    unit = W1 / norms[:, None]
    group = _components(unit @ unit.T > threshold)
    return int(group.max()) + 1, group


def _filters_case(rng, groups, visible=16, noise=0.02):
    """Filters made of ``groups`` (list of group sizes) near-copies of random directions."""
    rows = []
    for size in groups:
        base = rng.normal(size=visible)
        for _ in range(size):
            rows.append(base + noise * np.linalg.norm(base) * rng.normal(size=visible)
                        / np.sqrt(visible))
    return np.array(rows)


def check_distinct_filters(count_distinct):
    """Exercise 4 of notebook 08: ``count_distinct(W1, threshold)`` -> number of groups.

    Runs the learner's function on made-up filter banks whose answer is known and which
    tell the usual mistakes apart: dot products instead of cosines (filters of different
    lengths), |cos| instead of cos (a filter and its negative are not twins), counting
    twin pairs instead of groups, subtracting the pairs from the number of units, and
    grouping without chains (A twin of B, B twin of C, A and C below the threshold: one
    group). A mistake is named when the learner's answers match that variant's on every
    bank.
    """
    fb = Feedback("count_distinct")
    rng = np.random.default_rng(80)
    cases = []
    # 1. three groups (3 + 2 + 1) with very different norms
    W = _filters_case(rng, [3, 2, 1])
    W *= np.array([1, 40, 0.02, 5, 0.1, 300])[:, None]
    cases.append((W, 0.95, "three groups of sizes 3, 2, 1, filters of very different lengths"))
    # 2. a filter, its negative, and a filter orthogonal to both (short: dot products small)
    base = rng.normal(size=16)
    base *= 0.5 / np.linalg.norm(base)
    other = rng.normal(size=16)
    other -= (other @ base) / (base @ base) * base
    other *= 0.5 / np.linalg.norm(other)
    cases.append((np.array([base, -base, other]), 0.95,
                  "a filter, its negative and a third filter"))
    # 3. a chain: cos(A, B) and cos(B, C) above 0.9, cos(A, C) below it
    e = np.eye(16)
    angle = np.deg2rad(20)
    W = np.array([e[0], np.cos(angle) * e[0] + np.sin(angle) * e[1],
                  np.cos(2 * angle) * e[0] + np.sin(2 * angle) * e[1], e[5]])
    cases.append((W, 0.9, "a chain A-B-C of twins 20 degrees apart (A and C: 40 degrees) and "
                          "one more"))
    # 4. all different
    cases.append((rng.normal(size=(7, 16)), 0.95, "seven unrelated random filters"))

    def cosines(W):
        unit = W / np.linalg.norm(W, axis=1, keepdims=True)
        return unit @ unit.T

    def pairs(W, thr):
        return int(np.sum(cosines(W)[np.triu_indices(len(W), 1)] > thr))

    variants = [
        (lambda W, thr: _count_groups(W @ W.T > thr),
         "you compared dot products W1 @ W1.T, not cosines: divide each filter by its "
         "length first"),
        (lambda W, thr: _count_groups(np.abs(cosines(W)) > thr),
         "you used |cos|: a filter and its negative respond to opposite inputs; they are not "
         "twins"),
        (pairs, "you counted twin pairs; count groups (units linked by chains of twins are "
                "one group)"),
        (lambda W, thr: len(W) - pairs(W, thr),
         "you subtracted the twin pairs from the number of units; a group of three twins has "
         "three pairs but only two extra units"),
        (lambda W, thr: _count_groups_no_chain(cosines(W) > thr),
         "you put each unit with a group's first unit only; a twin of a twin belongs to the "
         "same group (follow the chains)"),
    ]
    got = []
    for W, thr, what in cases:
        ok, value = call_learner(fb, count_distinct, W.copy(), thr)
        if not ok:
            return fb.report()
        value = as_scalar(fb, value, what)
        if value is None:
            return fb.report()
        got.append(value)
    expected = [distinct_filters(W, thr)[0] for W, thr, _ in cases]
    for (_, thr, what), g, e in zip(cases, got, expected):
        if g != e:
            fb.fail(f"{what} (threshold {thr}): expected {e} group(s), yours {g:g}")
    if got != expected:
        for variant, message in variants:
            if [variant(W, thr) for W, thr, _ in cases] == got:
                fb.fail(message)
                break
    return fb.report()


def _components(linked):
    """Group labels (0, 1, ... in order of first member) of the connected components of a
    boolean adjacency matrix: units linked by a chain of True entries share a label."""
    group = np.full(len(linked), -1)
    n = 0
    for start in range(len(linked)):
        if group[start] >= 0:
            continue
        group[start], todo = n, [start]
        while todo:
            j = todo.pop()
            for i in np.flatnonzero(linked[j] & (group < 0)):
                group[i] = n
                todo.append(i)
        n += 1
    return group


def _count_groups(linked):
    return int(_components(linked).max()) + 1


def _count_groups_no_chain(linked):
    """Greedy grouping: each unit joins the first earlier group leader it is linked to."""
    leaders = []
    for j in range(len(linked)):
        if not any(linked[j, leader] for leader in leaders):
            leaders.append(j)
    return len(leaders)
