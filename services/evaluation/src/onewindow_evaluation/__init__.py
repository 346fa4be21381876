"""好差评: Evaluation: ratings tied to cases, rectification, complaints, statistics."""
