from .knn_classifier import WeightedKNNClassifier

__all__ = ['WeightedKNNClassifier']
