/* bench/graph's floor: one process, one thread, the least work that answers the same question
 * as a graph build. Reads every components file into a hash map, streams every edges file,
 * keeps the active edges (in- and between-chunk edges inside one component, every cross-chunk
 * edge) and joins their supervoxels in a union-find. Prints supervoxels, active edges and the
 * number of connected components (= the number of roots a build must make).
 *
 * Usage: graph-floor EDGES_DIR COMPONENTS_DIR */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t *keys;
static int64_t *slots; /* index into the supervoxel arrays, -1 = empty */
static uint64_t mask;
static uint64_t *components;
static int64_t *parent;
static int64_t count, capacity;

static uint64_t hash(uint64_t key) { key *= 0x9E3779B97F4A7C15ull; return key ^ (key >> 29); }

static int64_t lookup(uint64_t key) {
    for (uint64_t slot = hash(key) & mask;; slot = (slot + 1) & mask) {
        if (slots[slot] < 0) return -1;
        if (keys[slot] == key) return slots[slot];
    }
}

static void insert(uint64_t key, uint64_t component) {
    uint64_t slot = hash(key) & mask;
    while (slots[slot] >= 0) slot = (slot + 1) & mask;
    keys[slot] = key;
    slots[slot] = count;
    if (count == capacity) {
        capacity *= 2;
        components = realloc(components, capacity * sizeof *components);
    }
    components[count++] = component;
}

static int64_t find(int64_t x) {
    while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
}

static unsigned char *read_file(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY);
    struct stat info;
    fstat(fd, &info);
    unsigned char *data = malloc(info.st_size);
    size_t done = 0;
    while (done < (size_t)info.st_size) {
        ssize_t got = read(fd, data + done, info.st_size - done);
        if (got <= 0) { perror(path); exit(1); }
        done += got;
    }
    close(fd);
    *size = info.st_size;
    return data;
}

static int has_suffix(const char *name, const char *suffix) {
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: graph-floor EDGES_DIR COMPONENTS_DIR\n"); return 2; }
    uint64_t slotCount = 1 << 24;
    keys = malloc(slotCount * sizeof *keys);
    slots = malloc(slotCount * sizeof *slots);
    memset(slots, 0xff, slotCount * sizeof *slots);
    mask = slotCount - 1;
    capacity = 1 << 20;
    components = malloc(capacity * sizeof *components);
    char path[4096];
    DIR *dir = opendir(argv[2]);
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (!has_suffix(entry->d_name, ".components")) continue;
        snprintf(path, sizeof path, "%s/%s", argv[2], entry->d_name);
        size_t size;
        unsigned char *data = read_file(path, &size);
        uint64_t n;
        memcpy(&n, data + 8, 8);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t record[2];
            memcpy(record, data + 16 + 16 * i, 16);
            insert(record[0], record[1]);
        }
        free(data);
        if ((uint64_t)count * 2 > slotCount) { fprintf(stderr, "too many supervoxels for the floor's table\n"); return 1; }
    }
    closedir(dir);
    parent = malloc(count * sizeof *parent);
    for (int64_t i = 0; i < count; i++) parent[i] = i;
    int64_t active = 0, edges = 0;
    dir = opendir(argv[1]);
    while ((entry = readdir(dir))) {
        if (!has_suffix(entry->d_name, ".edges")) continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], entry->d_name);
        size_t size;
        unsigned char *data = read_file(path, &size);
        uint64_t counts[3];
        memcpy(counts, data + 8, 24);
        uint64_t total = counts[0] + counts[1] + counts[2];
        for (uint64_t i = 0; i < total; i++) {
            uint64_t pair[2];
            memcpy(pair, data + 32 + 24 * i, 16);
            int64_t a = lookup(pair[0]), b = lookup(pair[1]);
            if (a < 0 || b < 0) { fprintf(stderr, "%s: unknown supervoxel\n", path); return 1; }
            edges++;
            if (i < counts[0] + counts[1] && components[a] != components[b]) continue;
            active++;
            a = find(a), b = find(b);
            if (a != b) parent[a < b ? b : a] = a < b ? a : b;
        }
        free(data);
    }
    closedir(dir);
    int64_t roots = 0;
    for (int64_t i = 0; i < count; i++) roots += parent[i] == i;
    printf("%lld %lld %lld %lld\n", (long long)count, (long long)edges, (long long)active, (long long)roots);
    return 0;
}
