//! Tests of the group coordinator through [`GroupManager`].
