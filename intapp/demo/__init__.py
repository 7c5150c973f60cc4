"""Deterministic demo data: a whole city of teams, workers, people and their cases."""

from intapp.demo.loader import DemoCounts, load_demo

__all__ = ["DemoCounts", "load_demo"]
