"""tools/analysis_tools/mi_gradients.py: the model it measures is the one
training builds (normalised inputs), and its report runs end to end."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from tests_support import REPO_ROOT, load_tool

TINY_CONFIG = osp.join(REPO_ROOT, 'configs', 'pretrain',
                       'mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py')


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/analysis_tools/mi_gradients.py')


def top_level_preprocessor_cfg(tiny_model_cfg) -> Config:
    """A config laid out as MMPretrain's: the preprocessor beside the
    model, not inside it."""
    preprocessor = tiny_model_cfg.pop('data_preprocessor')
    return Config(
        dict(
            model=tiny_model_cfg,
            data_preprocessor=preprocessor,
            default_scope='mmpretrain'))


def test_the_tool_normalises_inputs_as_training_does(tool, tiny_model_cfg):
    cfg = top_level_preprocessor_cfg(tiny_model_cfg)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = tool.load_model(cfg)
        # The tool's old way: the model's default preprocessor, which passes
        # 0-255 pixels through.
        old = MODELS.build(cfg.model)
    pixels = torch.full((1, 3, 32, 32), 255, dtype=torch.uint8)
    batch = dict(inputs=pixels, data_samples=None)
    inputs = model.data_preprocessor(batch, True)['inputs']
    # to_rgb flips BGR to RGB, then (255 - mean) / std per RGB channel.
    expected = torch.tensor([(255 - 123.675) / 58.395, (255 - 116.28) / 57.12,
                             (255 - 103.53) / 57.375])
    assert torch.allclose(inputs[0, :, 0, 0], expected, atol=1e-4)
    assert old.data_preprocessor(batch, True)['inputs'].max() == 255
    assert model.training


def test_report_on_the_tiny_config(tool, digits_root, capsys):
    tool.main([
        TINY_CONFIG, '--batches', '2', '--refit-steps', '5', '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}',
        'train_dataloader.batch_size=8'
    ])
    out = capsys.readouterr().out
    rows = {
        line.split('|')[1].strip(): line
        for line in out.splitlines() if line.startswith('| loss_')
    }
    assert set(rows) == {'loss_rec', 'loss_mi_max', 'loss_mi_min', 'loss_est'}
    assert '| 1.000e+00 |' in rows['loss_rec']
    # loss_est never reaches the encoder.
    assert '| 0.000e+00 | 0.000e+00 |' in rows['loss_est']
    assert 'q fit on these batches (mean over 2): mi_min_nll ' in out
    assert "CLUB estimate (unweighted), negatives='masks'" in out
    assert 'z per-dimension variance over a batch' in out
    fit = out.split('held-out: ')[1]
    for key in ('gauss_nll', 'ridge_nll', 'ridge_r2', 'q_nll', 'q_r2',
                'q_at_bound', 'q_step'):
        assert f'{key} ' in fit
