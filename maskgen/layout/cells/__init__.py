"""Parametric cells: one function per physical part, layers by canonical name, built once per parameter set."""
