"""The sealed random draw of on-site examiners (实地核查审查员抽取, DOMAIN §7, 行政许可法 Art. 34).

Pure core: `roster` (who may be drawn, with declared relations), `conflicts` (回避: who is
excluded and why), `selection` (the RFC 3797-style choice from a seed), `seal` (commitment and
AES-GCM sealing), `verify` (recomputing a draw from its opened record), `steps` (the case
actions). The service that draws the seed and holds the key is `engine.draw.service`.
"""
