#include <iostream>
#include <string>
int main() {
    std::string s;
    std::cin >> s;
    int count = 0;
    for (char c : s) count += (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u');
    std::cout << count << "\n";
}
