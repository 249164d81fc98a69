"""Sample data for the demo and tests: a generated set of returns and partner tables,
written with the real template writer so sample and template cannot drift. Top layer of
lib/, beside reporting (independent of it): may import every package below.
"""
