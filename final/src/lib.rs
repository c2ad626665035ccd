//! httprs: the framework (being built; see issue 5).
