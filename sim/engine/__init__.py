"""The engine: what every part of the model stands on. Calendar months, counter-based random
streams, hazard arithmetic, compiled passes on one core or every core, stages, the population's
arrays, parameters and parameter sets, the world table, the module contract, and files written
atomically. Imports nothing else of ``sim``.
"""
