"""The page's sections: each builds its Gradio components and wires its events (the computation lives in dawn/)."""
