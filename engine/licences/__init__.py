"""The licence library (电子证照库) and the outside registries a material's source reads."""
