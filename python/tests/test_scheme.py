"""One circuit written in Python, four interpretations, and parameters chosen for it."""

import numpy as np
import pytest

from lowdepth import CkksError, Context, depth_finder, op_counter, plaintext_evaluator

X = np.linspace(-1.0, 1.0, 64)


def quartic(ev, x):
    """x^4 + 2x, balanced: depth 2; a rotation by 3."""
    v = ev.encrypt(x)
    sq = ev.rescale(ev.square(v))
    q = ev.rescale(ev.square(sq))
    two_x = ev.align_to(ev.rescale(ev.mul_const(v, 2.0)), q)
    return ev.rotate(ev.add(q, two_x), 3)


def expected(x, slots):
    full = np.zeros(slots)
    full[: len(x)] = x
    return np.roll(full**4 + 2 * full, -3)


def test_interpretations_agree():
    d = depth_finder()
    quartic(d, X)
    assert d.depth() == 2
    c = op_counter()
    quartic(c, X)
    counts = c.counts()
    assert counts["ct_multiplications"] == 2 and counts["rotations"] == 1
    assert counts["relinearizations"] == 2 and counts["rescales"] == 3
    p = plaintext_evaluator()
    out = p.decrypt(quartic(p, X))
    np.testing.assert_allclose(out, expected(X, p.slots), atol=1e-12)
    assert p.max_magnitude() >= 3.0 - 1e-12


def test_auto_parameters_and_encrypted_run():
    ctx = Context.auto(quartic, X, insecure_toy_parameters=True)
    assert ctx.depth == 2 and ctx.log_n == 11 and not ctx.secure
    assert "INSECURE" in repr(ctx)
    ev = ctx.encrypted()
    out = np.asarray(ev.decrypt(quartic(ev, X)))
    err = np.abs(out - expected(X, ctx.slots)).max()
    assert err < 1e-6, err  # about 2^-25 at scale 2^40 on the toy ring
    # The plaintext evaluator on the same chain gives the same levels and scales.
    p = ctx.plaintext()
    v = quartic(p, X)
    assert p.level(v) == ev.level(quartic(ev, X))


def test_explicit_parameters_and_errors():
    ctx = Context.from_parameters(11, 3, 40, rotations=[1], insecure_toy_parameters=True)
    ev = ctx.encrypted()
    a, b = ev.encrypt([1.0, 2.0, 3.0]), ev.encrypt([4.0, 5.0, 6.0])
    prod = ev.rescale(ev.mul_relin(a, b))
    np.testing.assert_allclose(ev.decrypt(prod)[:3], [4.0, 10.0, 18.0], atol=1e-6)
    np.testing.assert_allclose(ev.decrypt(ev.rotate(a, 1))[:2], [2.0, 3.0], atol=1e-6)
    # The scheme's typed errors, with their messages.
    with pytest.raises(CkksError, match="level"):
        ev.add(prod, a)
    with pytest.raises(CkksError):
        ev.rotate(a, 2)  # no key for step 2
    with pytest.raises(CkksError):
        ev.add(a, plaintext_evaluator().encrypt([1.0]))  # another evaluator's value
    with pytest.raises(CkksError):
        depth_finder().decrypt(depth_finder().encrypt([1.0]))
    # 128-bit security is checked unless the insecure opt-in is given.
    with pytest.raises(CkksError):
        Context.from_parameters(11, 3, 40)


def test_auto_refuses_foreign_values():
    from lowdepth import CircuitError

    leaked = []

    def keep(ev, x):
        v = ev.encrypt(x)
        leaked.append(v)
        return ev.add(v, v)

    Context.auto(keep, X, insecure_toy_parameters=True)

    def reuse(ev, x):  # a value of the earlier trace
        return ev.add(leaked[0], ev.encrypt(x))

    with pytest.raises(CkksError, match="another evaluator"):
        Context.auto(reuse, X, insecure_toy_parameters=True)
    with pytest.raises(CircuitError, match="must return a value"):
        Context.auto(lambda ev, x: 3.0, X, insecure_toy_parameters=True)
    with pytest.raises(CkksError, match="tracing"):
        Context.auto(lambda ev, x: ev.drop_level(ev.encrypt(x), ev.level(ev.encrypt(x)) - 1), X)
