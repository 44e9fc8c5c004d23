"""Artwork and desktop-integration files, installed as the package `cnnstudio.resources`."""
