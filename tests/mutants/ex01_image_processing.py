"""Plausible mistakes in ex01_image_processing (see README.md in this folder)."""

MUTANTS = [
    dict(
        name="BGR channel order",
        file="transforms.py",
        find="array = np.asarray(image, dtype=np.float32) / 255.0",
        replace="array = np.asarray(image, dtype=np.float32)[:, :, ::-1] / 255.0",
        expect=r"keep the channels in RGB order",
    ),
    dict(
        name="forgot to divide by 255",
        file="transforms.py",
        find="array = np.asarray(image, dtype=np.float32) / 255.0",
        replace="array = np.asarray(image, dtype=np.float32)",
        expect=r"divide the 0\.\.255 pixel values by 255",
    ),
    dict(
        name="mean and std swapped",
        file="transforms.py",
        find="return (tensor - mean) / std",
        replace="return (tensor - std) / mean",
        expect=r"subtract the mean, then divide by the std",
    ),
    dict(
        name="HWC instead of CHW",
        file="transforms.py",
        find="return torch.from_numpy(array).permute(2, 0, 1).contiguous()",
        replace="return torch.from_numpy(array).contiguous()",
        expect=r"channels first \(C, H, W\)",
    ),
    dict(
        name="resize ignores the aspect ratio",
        file="transforms.py",
        find="    if width <= height:\n"
        "        new_width, new_height = shorter, int(shorter * height / width)\n"
        "    else:\n"
        "        new_width, new_height = int(shorter * width / height), shorter\n",
        replace="    new_width, new_height = shorter, shorter\n",
        expect=r"the resize squashed the photo",
    ),
    dict(
        name="longer side resized to the target instead of the shorter one",
        file="transforms.py",
        find="if width <= height:",
        replace="if width >= height:",
        expect=r"the SHORTER side must become floor\(size / crop_pct\)|must come out 224x224",
    ),
    dict(
        name="crop off center (top-left corner)",
        file="transforms.py",
        find="return image.crop((left, top, left + size, top + size))",
        replace="return image.crop((0, 0, size, size))",
        expect=r"the crop must be centered",
    ),
    dict(
        name="crop box given as width and height",
        file="transforms.py",
        find="return image.crop((left, top, left + size, top + size))",
        replace="return image.crop((left, top, size, size))",
        expect=r"Image\.crop takes a box \(left, top, RIGHT, BOTTOM\)",
    ),
    dict(
        name="interpolation ignored (Pillow's default filter)",
        file="transforms.py",
        find="image = image.resize((new_width, new_height), pil_interpolation(interpolation))",
        replace="image = image.resize((new_width, new_height))",
        expect=r"Resize with the model's interpolation",
    ),
    dict(
        name="EXIF orientation ignored",
        file="loading.py",
        find="    image = ImageOps.exif_transpose(image)\n",
        replace="",
        expect=r"call ImageOps\.exif_transpose\(image\)",
    ),
    dict(
        name="alpha channel kept",
        file="loading.py",
        find='return image.convert("RGB")',
        replace='return image if image.mode == "RGBA" else image.convert("RGB")',
        expect=r"still has an alpha channel",
    ),
    dict(
        name="alpha dropped instead of composited on white",
        file="loading.py",
        find="image = Image.alpha_composite(white, rgba)",
        replace="image = rgba",
        expect=r"should come out WHITE",
    ),
    dict(
        name="16-bit images clipped by a plain convert",
        file="loading.py",
        find="image = high_bit_depth_to_l(image)",
        replace='image = image.convert("L")',
        expect=r"CLIPS 16-bit values at 255",
    ),
    dict(
        name="no pixel limit before decoding",
        file="loading.py",
        find="if pixels > Image.MAX_IMAGE_PIXELS:",
        replace="if False:",
        expect=r"compare image\.width \* image\.height with Image\.MAX_IMAGE_PIXELS",
    ),
    dict(
        name="raw PIL errors escape",
        file="loading.py",
        find="    except OSError as exc:\n",
        replace="    except ImportError as exc:\n",
        expect=r"let a raw \w+ escape",
    ),
    dict(
        name="ImageNet's numbers typed in instead of read from timm",
        file="config.py",
        find="config = timm.data.resolve_data_config(model=model)",
        replace="config = dict(input_size=(3, 224, 224), mean=(0.485, 0.456, 0.406), "
        'std=(0.229, 0.224, 0.225), interpolation="bicubic", crop_pct=0.875, crop_mode="center")',
        expect=r"read the values from timm\.data\.resolve_data_config\(model=model\)",
    ),
]
