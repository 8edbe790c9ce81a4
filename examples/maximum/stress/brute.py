# Brute force for "Largest Number": obviously right, fine for small N.
n = int(input())
numbers = list(map(int, input().split()))
largest = numbers[0]
for x in numbers:
    if x > largest:
        largest = x
print(largest)
