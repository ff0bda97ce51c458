"""The CKKS scheme for notebooks: contexts, keys, and one evaluator interface with its
interpretations.

Write a circuit once as a Python function ``f(ev, ...)`` against the evaluator's methods
(``encrypt``, ``add``, ``sub``, ``neg``, ``mul``, ``mul_relin``, ``square``, ``relinearize``,
``rescale``, ``rotate``, ``add_const``, ``mul_const``, ``drop_level``, ``align_to``,
``level``, ``scale``) and run it under every interpretation::

    def f(ev, x):
        v = ev.encrypt(x)
        y = ev.rescale(ev.square(v))          # x^2, one level
        return ev.add_const(y, 2.0)

    depth = depth_finder(); f(depth, x); depth.depth()        # 1
    count = op_counter(); f(count, x); count.counts()          # {'ct_multiplications': 1, ...}
    plain = plaintext_evaluator(); plain.decrypt(f(plain, x))  # exact
    ctx = Context.auto(f, x)                                   # parameters chosen for f
    ev = ctx.encrypted(); ev.decrypt(f(ev, x))                 # encrypted

The preconditions (equal levels and scales for additions, a level left to rescale, keys for
rotations) are the same under every interpretation; a violation raises ``CkksError``.
"""

from ._native import (
    Context,
    Evaluator,
    Value,
    depth_finder,
    op_counter,
    plaintext_evaluator,
)

__all__ = [
    "Context",
    "Evaluator",
    "Value",
    "depth_finder",
    "op_counter",
    "plaintext_evaluator",
]
