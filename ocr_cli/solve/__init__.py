"""The solve loop: draft N candidates, test them, critique them, revise, select."""
