//! The upload protocol, defined once: what the client uploads and what the server returns.
//!
//! Every object a training run exchanges has a typed [`ObjectName`] (no string is ever parsed
//! for meaning), a kind (matrix, row or column vector), a shape, an encoding unit and a level,
//! together an [`ObjectSpec`], whose [`ObjectSpec::tiles`] is the one definition of how many
//! ciphertexts it takes. The circuits say which specs a run needs
//! ([`crate::training::Training::upload`]) and returns
//! ([`crate::training::Training::returned`]); the reproduction and the client/server workflow
//! use those lists and derive nothing again. Every type here is serde-serialisable: a
//! workflow manifest is a list of specs, checked for internal consistency when it is read
//! (kind against name, vector widths, the tile count written beside each spec).
//!
//! | object | [`ObjectName`] | kind | shape | sent by |
//! |---|---|---|---|---|
//! | minibatch `Z_t` (or `Z_t^T`) | `Minibatch { t, transposed }` | matrix | `b x d` (`d x b`) | client |
//! | Gram matrix `G_t = Z_t Z_{t-1}^T` (or `^T`) | `Gram { t, transposed }` | matrix | `b x b` | client (low-depth) |
//! | state `w_0`, `v_0` | `State { vector, layout }` | row or column vector | `d` | client |
//! | model `w_k`, `w_{k-1}` (partial sums) | `Weights { iterate, layout }` | row or column vector | `d` | server |
//!
//! The baseline uploads `Z_0 .. Z_{k-1}` and the state as column vectors; the low-depth circuit
//! uploads each minibatch in the layout its step needs, the Gram matrices, and the state in
//! both layouts. The model comes back as its row-layout and column-layout partial sums
//! ([`SplitModel`]), each present only when the circuit produced it.

mod names;
mod objects;
mod spec;

pub use names::{Iterate, ObjectName, Role, StateVector, VectorLayout};
pub use objects::{
    check_objects, encrypt_objects, model_from_objects, model_objects, take_col, take_matrix,
    take_row, EncryptedObject, ModelAndPrevious, Object, Objects, PlainObject, SplitModel,
};
pub use spec::ObjectSpec;
