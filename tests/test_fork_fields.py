"""The fork layer types' fields, in small nets whose fields are worked out here by hand
(the shapes, parameters and multiply-adds of each type are rows of test_layers.py; their refusals are
in test_analysis.py)."""

import numpy as np
import pytest

from scnn_tools.engine.analysis import Analysis, query, report
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_text


def analysed(text):
    result = report(Analysis(read_text(text, "fork.prototxt")))
    return {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}


CONV3 = ('layer { name: "conv" type: "Convolution" bottom: "data" top: "x" '
         "convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n")


def test_shuffle_channel_keeps_positions():
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "s" type: "ShuffleChannel" bottom: "x" top: "s" '
                         "shuffle_channel_param { group: 2 } }\n")
    assert out["s"]["rf"]["size"] == [3, 3] and out["s"]["rf"]["jump"] == [1, 1]


def test_axpy_reads_its_scale_at_every_position():
    # An SE block: a = global average of x, so every position of a * x + y depends on all of x (9 + 2 = 11
    # positions of the image along each axis); with the scale fed in from outside, the field is x's 3x3.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    se = analysed(net + 'layer { name: "pool" type: "Pooling" bottom: "x" top: "a" '
                        "pooling_param { pool: AVE global_pooling: true } }\n"
                        'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "x" top: "t" }\n')
    assert se["t"]["rf"]["global"] == [True, True] and se["t"]["rf"]["size"] == [11, 11]
    fed = analysed(net + 'input: "a" input_dim: [1, 4, 1, 1]\n'
                         'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "x" top: "t" }\n')
    assert fed["t"]["rf"]["global"] == [False, False] and fed["t"]["rf"]["size"] == [3, 3]


def test_the_yolo_upsample_is_nearest():
    # Top o reads bottom floor(o / 2): features 0 and 1 both read x's feature 0, the image's -1..1 (3
    # positions), and the grid's spacing halves (jump 1/2).
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "up" type: "Upsample" bottom: "x" top: "up" upsample_param { scale: 2 } }\n')
    assert out["up"]["shape"] == [1, 4, 18, 18] and out["up"]["rf"]["jump"] == [0.5, 0.5]
    assert out["up"]["rf"]["size"] == [3, 3]


def darknet_reorg(x, s):
    """eric612/MobileNet-YOLO include/caffe/layers/reorg_layer.hpp reorg_cpu, as ReorgLayer::Forward_cpu
    calls it without reverse (forward 0), transcribed loop for loop."""
    b_n, b_c, b_h, b_w = x.shape
    bottom, top = x.reshape(-1), np.empty(x.size, x.dtype)
    t_c, t_w, t_h = b_c // (s * s), b_w * s, b_h * s
    for n in range(b_n):
        for c in range(b_c):
            for h in range(b_h):
                for w in range(b_w):
                    bottom_index = w + b_w * (h + b_h * (c + b_c * n))
                    c2, offset = c % t_c, c // t_c
                    w2, h2 = w * s + offset % s, h * s + offset // s
                    top_index = w2 + t_w * (h2 + t_h * (c2 + t_c * n))
                    top[bottom_index] = bottom[top_index]
    return top.reshape(b_n, b_c * s * s, b_h // s, b_w // s)


def intervals(positions):
    """A set of integers as sorted inclusive intervals."""
    out = []
    for i in sorted(positions):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [tuple(r) for r in out]


@pytest.mark.parametrize("c, h, w, s", [(8, 6, 4, 2), (4, 8, 6, 2), (18, 6, 9, 3), (64, 26, 26, 2)])
def test_reorg_fields_follow_darknets_order(c, h, w, s):
    # A 3x3 convolution (pad 1) before: bottom row j sees image rows j-1..j+1. Where each top position's
    # values come from is read off the transcribed loop, applied to the bottom's row and column numbers;
    # a 2x2 convolution after the reorg reads top rows o..o+1.
    text = (f'input: "data" input_dim: [1, 3, {h}, {w}]\n'
            f'layer {{ name: "conv" type: "Convolution" bottom: "data" top: "x" '
            f'convolution_param {{ num_output: {c} kernel_size: 3 pad: 1 }} }}\n'
            f'layer {{ name: "reorg" type: "Reorg" bottom: "x" top: "r" reorg_param {{ stride: {s} }} }}\n'
            'layer { name: "after" type: "Convolution" bottom: "r" top: "y" convolution_param { num_output: 2 '
            "kernel_size: 2 } }\n")
    a = Analysis(read_text(text, "reorg.prototxt"))
    rows = darknet_reorg(np.broadcast_to(np.arange(h)[:, None], (1, c, h, w)).copy(), s)
    cols = darknet_reorg(np.broadcast_to(np.arange(w)[None, :], (1, c, h, w)).copy(), s)
    top_rows = [{i + d for i in np.unique(rows[:, :, o, :]) for d in (-1, 0, 1)} for o in range(h // s)]
    top_cols = [{i + d for i in np.unique(cols[:, :, :, o]) for d in (-1, 0, 1)} for o in range(w // s)]
    for blob, sets in (("r", (top_rows, top_cols)), ("y", ([x | y for x, y in zip(top_rows, top_rows[1:])],
                                                            [x | y for x, y in zip(top_cols, top_cols[1:])]))):
        traced = a.traced[a.graph.blob(blob).id]
        for axis, per_position in zip((2, 3), sets):
            field = traced.axes[axis][1]
            assert [[tuple(r) for r in field.at(o)] for o in range(len(per_position))] == \
                [intervals(p) for p in per_position], (blob, axis)
    assert [o["rf"]["jump"] for o in report(a)["layers"][2]["outputs"]] == [[s, s]]



def test_tiling_in_its_forks_v1_file_puts_each_pixel_over_its_tile():
    # tianchenwang/caffe's own files are V1: `type: TILING` is not a BVLC enum value, read by its name. Each
    # top pixel (oy + ty, ox + tx) comes from bottom pixel (oy / t, ox / t) (tiling_layer.cpp Forward_cpu),
    # so after a 3x3 convolution every top pixel sees the 3x3 box of the bottom pixel under it: at t = 2,
    # top pixels 2k and 2k + 1 both see input k-1..k+1.
    text = ('input: "data" input_dim: 1 input_dim: 3 input_dim: 6 input_dim: 6\n'
            'layers { name: "conv" type: CONVOLUTION bottom: "data" top: "x" '
            "convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }\n"
            'layers { name: "tile" type: TILING bottom: "x" top: "t" tiling_param { tile_dim: 2 } }\n')
    analysis = Analysis(read_text(text, "tiling.prototxt"))
    assert any(w["code"] == "unknown-legacy-type" and "read as type 'Tiling'" in w["message"]
               for w in analysis.warnings)
    out = {o["blob"]: o for layer in report(analysis)["layers"] for o in layer["outputs"]}
    assert out["t"]["shape"] == [1, 2, 12, 12] and out["t"]["rf"]["size"] == [3, 3]
    t = analysis.graph.blob("t").id
    for y in range(12):
        box = analysis.box(t, y, y)["h"]
        assert (box.lo, box.hi) == (y // 2 - 1, y // 2 + 1)


def test_reverse_keeps_the_fields_of_the_axes_it_does_not_turn():
    # A 3x3 convolution, then Reverse along width (axis 3): height keeps its 3-pixel field; width is read
    # back to front, which no window describes, and is left unknown.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "r" type: "Reverse" bottom: "x" top: "r" reverse_param { axis: 3 } }\n')
    assert out["r"]["shape"] == [1, 4, 9, 9]
    assert out["r"]["rf"]["size"][0] == 3 and out["r"]["rf"]["size"][1] is None


def test_downsample_keeps_fields_only_where_it_keeps_the_size():
    # At its own size FlowNet 2's Downsample shares the bottom's data: the 3x3 field stays. Shrunk along
    # height, the kernel runs on both axes: each value a tent average around a rounded float position
    # (along width too, where float rounding can leave the neighbours a tiny weight), left unknown.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    same = analysed(net + 'layer { name: "d" type: "Downsample" bottom: "x" top: "d" '
                          "downsample_param { top_height: 9 top_width: 9 } }\n")
    assert same["d"]["rf"]["size"] == [3, 3] and same["d"]["rf"]["jump"] == [1, 1]
    shrunk = analysed(net + 'layer { name: "d" type: "Downsample" bottom: "x" top: "d" '
                            "downsample_param { top_height: 5 top_width: 9 } }\n")
    assert shrunk["d"]["shape"] == [1, 4, 5, 9] and shrunk["d"]["rf"] is None


def test_a_merge_with_a_branch_of_unknown_field_is_unknown():
    # The shrunk Downsample's field is unknown; concatenated with a pooling of the image, the channels
    # it brings still depend on the image where no one knows: the concat's field is unknown, not the
    # pooling's 1x1.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "d" type: "Downsample" bottom: "x" top: "d" '
                         "downsample_param { top_height: 5 top_width: 5 } }\n"
                         'layer { name: "p" type: "Pooling" bottom: "data" top: "p" '
                         "pooling_param { pool: MAX kernel_size: 1 stride: 2 } }\n"
                         'layer { name: "c" type: "Concat" bottom: "d" bottom: "p" top: "c" }\n')
    assert out["p"]["rf"]["size"] == [1, 1] and out["c"]["shape"] == [1, 7, 5, 5] and out["c"]["rf"] is None


def test_autocrop_keeps_the_shape_and_leaves_the_cropped_fields_unknown():
    # RCF's side output: a stride-2 deconvolution of a 3x3 convolution, cropped back to the image's 9x9.
    # The offset comes from the coord_maps of the layers back to the image, which the rule does not see.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "up" type: "Deconvolution" bottom: "x" top: "up" '
                         "convolution_param { num_output: 1 kernel_size: 4 stride: 2 } }\n"
                         'layer { name: "crop" type: "AutoCrop" bottom: "up" bottom: "data" top: "crop" }\n')
    assert out["up"]["shape"] == [1, 1, 20, 20] and out["crop"]["shape"] == [1, 1, 9, 9]
    assert out["crop"]["rf"] is None


def test_bilinear_interpolation_reads_two_rows_with_the_corners_aligned():
    # caffe-public's interpolation_layers.cpp: top h reads bottom floor(fh) and the next, fh = (in - 1) * h
    # / (out - 1). A stride-2 3x3 convolution makes 4x4 features at image steps of 2; by 3 they are 12x12, top h
    # at x-position 3h/11: top 1 reads x's 0 and 1 (image 0..4, 5 wide), and the grid's spacing is 2 * 3/11.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n'
    out = analysed(net + 'layer { name: "conv" type: "Convolution" bottom: "data" top: "x" '
                         "convolution_param { num_output: 4 kernel_size: 3 stride: 2 } }\n"
                         'layer { name: "b" type: "BilinearInterpolation" bottom: "x" top: "up" '
                         "bilinear_interpolation_param { interpolation_factor: 3 } }\n")
    assert out["up"]["shape"] == [1, 4, 12, 12] and out["up"]["rf"]["size"] == [5, 5]
    assert out["up"]["rf"]["jump"] == pytest.approx([6 / 11, 6 / 11])


# A tiny-YOLO head: p2 is darknet's size 2 stride 1 max pooling as darknet2caffe writes it (kernel 2, stride 1,
# no pad), and the concat needs it to keep its 4 x 4: BVLC's Pooling gives 3 x 3 (4 - 2 + 1) and the concat
# fails, ChenYingpeng/darknet2caffe's pooling_layer.cpp adds a row and a column (2 - 1 is odd): 4 x 4.
TINY = ('input: "data" input_dim: [1, 3, 8, 8]\n' + CONV3
        + 'layer { name: "p1" type: "Pooling" bottom: "x" top: "p1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
          'layer { name: "p2" type: "Pooling" bottom: "p1" top: "p2" pooling_param { pool: MAX kernel_size: 2 stride: 1 } }\n'
          'layer { name: "up" type: "Upsample" bottom: "p2" top: "up" upsample_param { scale: 2 } }\n')


def test_darknets_same_pooling_is_read_where_bvlcs_fails():
    result = report(Analysis(read_text(TINY + 'layer { name: "cat" type: "Concat" bottom: "up" bottom: "x" '
                                              'top: "cat" }\n', "tiny.prototxt")))
    out = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    assert out["p2"]["shape"] == [1, 4, 4, 4] and out["cat"]["shape"] == [1, 8, 8, 8]
    (warned,) = [w for w in result["warnings"] if w["code"] == "fork-reading"]
    assert warned["layer"] == "p2" and "darknet2caffe" in warned["message"] and "(1, 4, 3, 3)" in warned["message"]
    # x: 3 wide, jump 1, start 0; p1 (2, stride 2): 3 + 1 = 4, jump 2, start 0.5; p2 (2, stride 1): 4 + 2 = 6,
    # jump 2, start 0.5 + 1 = 1.5. Its added last position (3) pools p1's 3 alone (Forward clips the window
    # to the input): x's 6..7, the image's 5..8 cut to the image: 5..7.
    assert out["p2"]["rf"]["size"] == [6, 6] and out["p2"]["rf"]["jump"] == [2, 2]
    assert out["p2"]["rf"]["start"] == [1.5, 1.5]
    box = query(Analysis(read_text(TINY + 'layer { name: "cat" type: "Concat" bottom: "up" bottom: "x" top: "cat" }\n')),
                "p2", 3, 3)
    assert box["clipped"] == {"y": [5, 7], "x": [5, 7]} and box["box"] == {"y": [5, 10], "x": [5, 10]}


def test_a_file_bvlcs_pooling_runs_stays_bvlcs():
    out = analysed(TINY)
    assert out["p2"]["shape"] == [1, 4, 3, 3] and out["up"]["shape"] == [1, 4, 6, 6]


def test_a_file_neither_pooling_runs_fails_as_bvlcs():
    # 8 x 8: p1 (2, stride 2) 4 x 4 in both; p2 (3, stride 1) 6 x 6 in BVLC, 6 x 6 in the fork too (3 - 1 is
    # even): no reading runs the concat, and the error is BVLC's.
    with pytest.raises(InputError, match=r"'p1' is \(1, 3, 4, 4\), 'p2' is \(1, 3, 6, 6\)"):
        analysed('input: "data" input_dim: [1, 3, 8, 8]\n'
                 'layer { name: "p1" type: "Pooling" bottom: "data" top: "p1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
                 'layer { name: "p2" type: "Pooling" bottom: "data" top: "p2" pooling_param { pool: MAX kernel_size: 3 stride: 1 } }\n'
                 'layer { name: "cat" type: "Concat" bottom: "p1" bottom: "p2" top: "cat" }\n')


# DeconvNet's unpooling (HyeonwooNoh/caffe unpooling_layer.cpp): bottom p lands in the top window
# p * stride + [0, kernel), where the mask says (MAX) or over all of it (AVE).
UNPOOL = ('input: "data" input_dim: [1, 1, 8, 8]\n'
          'layer { name: "pool" type: "Pooling" bottom: "data" top: "p" top: "m" '
          'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n')


def test_max_unpooling_puts_each_value_back_in_its_pooling_window():
    # u's position o holds p's floor(o / 2) or nothing, and p's q pooled the image's 2q and 2q + 1: u's 0
    # and 1 both see the image's 0..1, its 7 the image's 6..7.
    analysis = Analysis(read_text(UNPOOL + 'layer { name: "un" type: "Unpooling" bottom: "p" bottom: "m" top: "u" '
                                           'unpooling_param { unpool: MAX kernel_size: 2 stride: 2 unpool_size: 8 } }\n'))
    for o, seen in ((0, [0, 1]), (1, [0, 1]), (2, [2, 3]), (7, [6, 7])):
        assert query(analysis, "u", o, o)["clipped"] == {"y": seen, "x": seen}


def test_average_unpooling_spreads_each_value_over_its_window():
    # AVE, kernel 3 stride 2 into 9 x 10: a's o is in the windows of p's q with 2q <= o < 2q + 3 (q < 4):
    # 0 -> q 0 (the image's 0..1); 1 -> q 0; 2 -> q 0 and 1 (0..3); 8 -> q 3 (6..7; q 4 does not exist).
    analysis = Analysis(read_text(UNPOOL + 'layer { name: "ave" type: "Unpooling" bottom: "p" top: "a" '
                                           'unpooling_param { unpool: AVE kernel_size: 3 stride: 2 unpool_h: 9 '
                                           'unpool_w: 10 } }\n'))
    for o, seen in ((0, [0, 1]), (1, [0, 1]), (2, [0, 3]), (8, [6, 7])):
        assert query(analysis, "a", o, o)["clipped"]["y"] == seen


def test_an_unpooling_without_its_size_is_unknown_and_says_why():
    out = report(Analysis(read_text(UNPOOL + 'layer { name: "un" type: "Unpooling" bottom: "p" top: "u" '
                                             'unpooling_param { kernel_size: 2 stride: 2 } }\n'
                                             'layer { name: "c" type: "Convolution" bottom: "u" top: "c" '
                                             'convolution_param { num_output: 2 kernel_size: 1 } }\n')))
    shapes = {o["blob"]: o["shape"] for layer in out["layers"] for o in layer["outputs"]}
    assert shapes["u"] == [1, 1, None, None] and shapes["c"] == [1, 2, None, None]
    (warned,) = [w for w in out["warnings"] if w["code"] == "ambiguous-fork-type"]
    assert warned["layer"] == "un" and "HyeonwooNoh/caffe" in warned["message"]


def test_deconvnets_v1_unpooling_and_bn_parameters_are_read():
    # DeconvNet's files are V1: `type: UNPOOLING` with unpooling_param, and BN with SegNet's bn_param, both
    # inside V1 layers, which BVLC's V1LayerParameter lacks.
    text = ('input: "data" input_dim: [1, 2, 8, 8]\n'
            'layers { name: "pool" type: POOLING bottom: "data" top: "p" top: "m" '
            'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
            'layers { name: "bn" type: BN bottom: "p" top: "p" bn_param { bn_mode: INFERENCE '
            'scale_filler { type: "constant" value: 1 } } }\n'
            'layers { type: UNPOOLING bottom: "p" bottom: "m" top: "u" name: "un" '
            'unpooling_param { unpool: MAX kernel_size: 2 stride: 2 unpool_size: 8 } }\n')
    out = report(Analysis(read_text(text)))
    assert not [w for w in out["warnings"] if "unknown field" in w["message"]]
    (un,) = [layer for layer in out["layers"] if layer["name"] == "un"]
    assert un["type"] == "Unpooling" and un["outputs"][0]["shape"] == [1, 2, 8, 8]


def test_unpooling_refuses_a_pad_as_its_fork_does():
    with pytest.raises(InputError, match="no pad"):
        analysed(UNPOOL + 'layer { name: "un" type: "Unpooling" bottom: "p" top: "u" '
                          'unpooling_param { kernel_size: 2 stride: 2 pad: 1 unpool_size: 8 } }\n')


def test_a_two_bottom_bilinear_interpolation_names_the_forks_that_part():
    out = report(Analysis(read_text('input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
                                    + 'layer { name: "b" type: "BilinearInterpolation" bottom: "x" bottom: "data" '
                                      'top: "b" }\n')))
    (warned,) = [w for w in out["warnings"] if w["code"] == "ambiguous-fork-type"]
    assert warned["layer"] == "b" and "caffe-hybridnet" in warned["message"]


def test_caffe_ocrs_transpose_carries_each_axis_field_along():
    # A 3 x 1 kernel at stride 2 down, 1 across: x is 4 x 6, each feature 3 image rows by 1 column, x[i, j]
    # centred on row 2i, column j. dim 0 1 3 2 swaps the axes: t is 6 x 4 and t[j, i] is x[i, j], so t[5, 3]
    # sees rows 5..7 and column 5; the fields stay those of the image's rows and columns, and a query names
    # the feature by the axes that follow them (row 3 on t's axis 3, column 5 on its axis 2).
    text = ('input: "data" input_dim: [1, 3, 8, 6]\n'
            'layer { name: "conv" type: "Convolution" bottom: "data" top: "x" '
            'convolution_param { num_output: 4 kernel_h: 3 kernel_w: 1 pad_h: 1 stride_h: 2 stride_w: 1 } }\n'
            'layer { name: "t" type: "Transpose" bottom: "x" top: "t" transpose_param { dim: 0 dim: 1 dim: 3 dim: 2 } }\n')
    out = analysed(text)
    assert out["x"]["shape"] == [1, 4, 4, 6] and out["t"]["shape"] == [1, 4, 6, 4]
    assert out["t"]["rf"]["size"] == [3, 1] and out["t"]["rf"]["jump"] == [2, 1]
    assert query(Analysis(read_text(text)), "t", 3, 5)["box"] == {"y": [5, 7], "x": [5, 5]}


def test_padding_moves_the_fields_by_its_leading_pad():
    # x: 3x3 windows at stride 1, x[0] centred on image position 0. Each fork's Padding puts bottom
    # position o - before at top position o (before: pad_beg, pad_h/pad_w_left, pad_t/pad_l): DeepLab's pad
    # 2 starts p at x[-2] (image -2), its crop of 1 starts c at p[1] (image -1); ctensmeyer's at (-1, -2),
    # sophgo's at (-1, -3). twerdster's REPEAT copies the edge value beyond the bottom: no window, unknown.
    net = ('input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3 +
           'layer { name: "p" type: "Padding" bottom: "x" top: "p" padding_param { pad_beg: 2 pad_end: 3 } }\n'
           'layer { name: "c" type: "Padding" bottom: "p" top: "c" padding_param { pad_beg: -1 pad_end: -2 } }\n'
           'layer { name: "h" type: "Padding" bottom: "x" top: "h" padding_param { pad_h: 1 pad_w_left: 2 } }\n'
           'layer { name: "s" type: "Padding" bottom: "x" top: "s" padding_param { pad_t: 1 pad_l: 3 } }\n'
           'layer { name: "r" type: "Padding" bottom: "x" top: "r" '
           'padding_param { pad_t: 1 pad_l: 1 pad_method: REPEAT } }\n')
    out = analysed(net)
    shapes = {b: out[b]["shape"][2:] for b in "pchsr"}
    assert shapes == {"p": [14, 14], "c": [11, 11], "h": [11, 11], "s": [10, 12], "r": [10, 10]}
    starts = {b: out[b]["rf"]["start"] for b in "pchs"}
    assert starts == {"p": [-2, -2], "c": [-1, -1], "h": [-1, -2], "s": [-1, -3]}
    assert all(out[b]["rf"]["size"] == [3, 3] and out[b]["rf"]["jump"] == [1, 1] for b in "pchs")
    assert out["r"]["rf"] is None
    # p[4, 2] is x[2, 0]: image rows 1..3, columns -1..1.
    assert query(Analysis(read_text(net)), "p", 4, 2)["box"] == {"y": [1, 3], "x": [-1, 1]}


def test_deeplabs_v1_padding_crops():
    # DeepLab's test nets crop their interpolated scores by a PADDING layer of negative pads: c[o] = x[o + 1],
    # 9 - 1 - 2 = 6 positions, x[1] centred on image position 1.
    out = analysed('input: "data" input_dim: 1 input_dim: 3 input_dim: 9 input_dim: 9\n'
                   'layers { name: "conv" type: CONVOLUTION bottom: "data" top: "x" '
                   'convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n'
                   'layers { name: "crop" type: PADDING bottom: "x" top: "c" padding_param { pad_beg: -1 pad_end: -2 } }\n')
    assert out["c"]["shape"] == [1, 4, 6, 6] and out["c"]["rf"]["start"] == [1, 1] and out["c"]["rf"]["size"] == [3, 3]


def test_flip_leaves_the_fields_of_the_axes_it_turns_unknown():
    # happynear's flip_height turns the rows only; shihengcan's axis 1 the channels, no spatial axis. Without
    # flip_param happynear's turns the width, shihengcan's the batch: the width is unknown, with a warning.
    result = report(Analysis(read_text(
        'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3 +
        'layer { name: "fh" type: "Flip" bottom: "x" top: "fh" flip_param { flip_height: true flip_width: false } }\n'
        'layer { name: "fc" type: "Flip" bottom: "x" top: "fc" flip_param { axis: 1 } }\n'
        'layer { name: "f" type: "Flip" bottom: "x" top: "f" }\n', "fork.prototxt")))
    out = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    assert out["fh"]["rf"]["size"] == [None, 3] and out["fh"]["shape"] == [1, 4, 9, 9]
    assert out["fc"]["rf"]["size"] == [3, 3] and out["fc"]["rf"]["start"] == [0, 0]
    assert out["f"]["rf"]["size"] == [3, None]
    (warned,) = [w for w in result["warnings"] if w["code"] == "ambiguous-fork-type"]
    assert warned["layer"] == "f" and "shihengcan" in warned["message"] and "happynear" in warned["message"]


def test_normalize_by_its_fork():
    # After a 3x3 convolution on 9x9: happynear's Normalize (normalize_param) divides each position by its own
    # norm over the channels, so it sees the convolution's 3x3; SSD's (norm_param) across_spatial by default
    # reads the whole item: global, 9 + 2 = 11 wide with the padding; with neither message the forks part, and
    # the field is unknown, with a warning naming both.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    layer = 'layer {{ name: "n" type: "Normalize" bottom: "x" top: "n" {} }}\n'
    own = analysed(net + layer.format("normalize_param { }"))["n"]
    assert own["rf"]["size"] == [3, 3] and own["rf"]["global"] == [False, False]
    whole = analysed(net + layer.format("norm_param { }"))["n"]
    assert whole["rf"]["global"] == [True, True] and whole["rf"]["size"] == [11, 11]
    result = report(Analysis(read_text(net + layer.format(""), "fork.prototxt")))
    neither = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}["n"]
    assert neither["rf"] is None and neither["shape"] == [1, 4, 9, 9]  # (no axis known: no field at all)
    said = [w for w in result["warnings"] if w["code"] == "ambiguous-fork-type"]
    assert said and "happynear" in said[0]["message"] and "ssd" in said[0]["message"]
