"""The pathway: leaving North Korea, life in hiding in China, the onward journey, and reception
in South Korea (NIS screening, Hanawon, residence protection). Each module steps the people in
its stages; they talk through the population and the model's events, not through each other.
"""
