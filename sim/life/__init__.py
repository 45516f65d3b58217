"""Life in the South after Hanawon: discrimination, social ties, mental health, training, work,
money and belonging. Each module steps every resident at once and reads the lever channels it
declares.
"""
