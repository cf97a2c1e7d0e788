"""What ``import mimae`` needs and does."""
import subprocess
import sys
import textwrap

from test_compat import REPO_ROOT


def test_import_needs_neither_mmdet_nor_mmseg():
    # None in sys.modules makes any import of the package fail, as if it
    # were not installed.
    code = textwrap.dedent("""
        import sys
        sys.modules['mmdet'] = sys.modules['mmseg'] = None
        import mimae
        from mmpretrain.registry import MODELS
        model = MODELS.build(dict(type='MIMAEViT', arch='s', img_size=32,
                                  patch_size=8))
        print(type(model).__name__)
        try:
            import mimae.models.necks
        except ImportError:
            print('neck needs mmdet')
    """)
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            cwd=REPO_ROOT,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split('\n')[:2] == ['MIMAEViT', 'neck needs mmdet']
