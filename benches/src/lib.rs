//! httprs benchmarks (being built; see issue 8).
