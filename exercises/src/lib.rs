//! httprs exercises (being built; see issue 7).
