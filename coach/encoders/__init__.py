"""The bundled ONNX sentence encoders and what reads with them.

``embedding`` runs an int8 MiniLM on the CPU (retrieval's, and the safety screen's
fine-tuned copy); ``heads`` are the small trained linear heads over an encoder;
``semantic`` cuts text into sentences and reads them against labelled anchors.
None of them loads a model at import time.
"""
