# What every classification config of this project adds to MMPretrain's:
# mimae's modules, and a check that the pre-training checkpoint matches the
# backbone key for key (mmengine's Pretrained init loads leniently; the hook
# refuses a mismatch and lists the keys).
custom_imports = dict(imports=['mimae'], allow_failed_imports=False)
custom_hooks = [dict(type='StrictPretrainedHook')]
