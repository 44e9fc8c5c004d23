"""The text of an exported training script; `script_export` fills in the $names."""

SCRIPT_TEMPLATE = r'''"""Train a convolutional neural network on $dataset_title with plain PyTorch.

Exported by cnnstudio $version. It follows the steps of the PyTorch tutorial "Training a
classifier": (1) load and normalise the data, (2) define the network, (3) define a loss function
and optimizer, (4) train the network on the training data, (5) test it on the validation data,
and save the trained weights.

    python train.py                               one process, on a GPU if there is one
    torchrun --nproc_per_node=N train.py          N processes with DistributedDataParallel
    python train.py --help                        the settings you can change here
"""

import argparse
import math
import os
import time

import torch
import torch.distributed as dist
${torchvision_import}from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import $data_imports
from torch.utils.data.distributed import DistributedSampler
from torchvision.transforms import v2 as T

# The run's settings, as cnnstudio trained it (the command line can change some).
EPOCHS = $epochs
BATCH_SIZE = $batch_size
LEARNING_RATE = $lr
SEED = $seed
DATA_DIR = $data_dir
CLASSES = $classes
LABEL_SMOOTHING = $label_smoothing
GRAD_CLIP = $grad_clip  # largest gradient norm; None: no clipping
EARLY_STOPPING_PATIENCE = $patience  # epochs without a better validation loss; None: off
MIXED_PRECISION = $mixed_precision  # 16-bit maths on a CUDA GPU

# Per-channel mean and standard deviation of the training images (0-1 scale).
MEAN = $mean
STD = $std
FILL = [round(m * 255) for m in MEAN]  # the mean colour, for pixels shifted in by augmentation


# 1. Load and normalise the data ---------------------------------------------------------------

$data_code

# 2. Define a convolutional neural network ------------------------------------------------------

$model_code

# 3. Define a loss function and optimizer -------------------------------------------------------


def make_optimizer(parameters, lr):
    return $optimizer_code


def make_scheduler(optimizer, lr, epochs, steps_per_epoch):
    return $scheduler_code


PER_BATCH_SCHEDULE = $per_batch_schedule


# 4. Train the network --------------------------------------------------------------------------


def train_one_epoch(model, loader, criterion, optimizer, scheduler, scaler, device, amp_dtype):
    model.train()
    totals = torch.zeros(3, device=device)  # loss sum, correct, images
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, amp_dtype, enabled=amp_dtype is not None):
            outputs = model(images)
            loss = criterion(outputs, labels)
        scaler.scale(loss).backward()
        if GRAD_CLIP is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        scaler.step(optimizer)
        scaler.update()
        if scheduler is not None and PER_BATCH_SCHEDULE:
            scheduler.step()
        correct = (outputs.argmax(1) == labels).sum()
        count = labels.new_tensor(len(labels))
        totals += torch.stack([loss.detach().float() * len(labels), correct, count])
    if dist.is_initialized():  # every process trained on its own share of the data
        dist.all_reduce(totals)
    loss_sum, correct, count = totals.tolist()
    return loss_sum / count, correct / count


# 5. Test the network on the validation data ----------------------------------------------------


@torch.no_grad()
def evaluate(model, loader, device, num_classes):
    """Loss, accuracy and per-class accuracy on the whole validation set."""
    model.eval()
    loss_sum, hits = 0.0, torch.zeros(num_classes)
    counts = torch.zeros(num_classes)
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        outputs = model(images).float()
        loss_sum += nn.functional.cross_entropy(outputs, labels, reduction="sum").item()
        correct = (outputs.argmax(1) == labels).cpu()
        hits += torch.bincount(labels.cpu()[correct], minlength=num_classes)
        counts += torch.bincount(labels.cpu(), minlength=num_classes)
    total = counts.sum().item()
    return loss_sum / total, hits.sum().item() / total, hits / counts.clamp(min=1)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="per process")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--workers", type=int, default=2, help="data loading processes")
    parser.add_argument("--out", default="trained_net.pth", help="where to save the weights")
    return parser.parse_args()


def main():
    args = parse_args()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1  # started by torchrun
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        local_rank = int(os.environ["LOCAL_RANK"])
        device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    else:
        local_rank = 0
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    main_process = not distributed or dist.get_rank() == 0
    torch.manual_seed(SEED)

    if main_process:  # downloads happen once, before the other processes read the files
        train_set, val_set = make_datasets(args.data_dir)
    if distributed:
        dist.barrier()
    if not main_process:
        train_set, val_set = make_datasets(args.data_dir)
    sampler = DistributedSampler(train_set, seed=SEED) if distributed else None
    train_loader = DataLoader(
        train_set,
        batch_size=args.batch_size,
        shuffle=sampler is None,
        sampler=sampler,
        num_workers=args.workers,
        drop_last=len(train_set) % args.batch_size == 1,  # batch norm cannot train on one image
    )
    val_loader = DataLoader(val_set, batch_size=512, num_workers=args.workers)

    net = Net().to(device)
    model = net
    if distributed:  # each process trains a replica; gradients are averaged every step
        device_ids = [local_rank] if device.type == "cuda" else None
        model = DistributedDataParallel(net, device_ids=device_ids)
    criterion = nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    optimizer = make_optimizer(model.parameters(), args.lr)
    scheduler = make_scheduler(optimizer, args.lr, args.epochs, len(train_loader))
    amp_dtype = None
    if MIXED_PRECISION and device.type == "cuda":
        amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    if main_process:
        processes = dist.get_world_size() if distributed else 1
        print(f"Training on {device} in {processes} process(es): {len(train_set)} training images")

    best_loss, epochs_without_improvement = math.inf, 0
    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)  # a different shuffle every epoch
        started = time.perf_counter()
        train_loss, train_accuracy = train_one_epoch(
            model, train_loader, criterion, optimizer, scheduler, scaler, device, amp_dtype
        )
        val_loss, val_accuracy, per_class = evaluate(net, val_loader, device, len(CLASSES))
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        elif scheduler is not None and not PER_BATCH_SCHEDULE:
            scheduler.step()
        if main_process:
            print(
                f"epoch {epoch}/{args.epochs}  train loss {train_loss:.4f} acc {train_accuracy:.2%}"
                f"  val loss {val_loss:.4f} acc {val_accuracy:.2%}"
                f"  {time.perf_counter() - started:.1f}s"
            )
        if EARLY_STOPPING_PATIENCE is not None:
            if val_loss < best_loss - 1e-4:
                best_loss, epochs_without_improvement = val_loss, 0
            else:
                epochs_without_improvement += 1
                if epochs_without_improvement >= EARLY_STOPPING_PATIENCE:
                    if main_process:
                        print("Early stopping: the validation loss stopped improving.")
                    break

    if main_process:
        print(f"Accuracy on the {len(val_set)} validation images: {val_accuracy:.2%}")
        for name, accuracy in zip(CLASSES, per_class.tolist()):
            print(f"  {name:<16} {accuracy:.1%}")
        torch.save(net.state_dict(), args.out)
        print(f"Saved the weights in {args.out}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''
