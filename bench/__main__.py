raise SystemExit("benchmarks: not yet")
