/* pt-demo-tables.c: real generic names (INN) with the strengths, forms and
 * pack sizes they are sold in, ATC therapeutic groups, and the name pools
 * of the demo data.  Brands, manufacturers and people are invented. */
#define G_LOG_DOMAIN "pt-demo"
#include "config.h"

#include <string.h>

#include "pt-demo-private.h"

#define OTC PT_DEMO_OTC
#define RX PT_DEMO_RX
#define CD PT_DEMO_CONTROLLED
#define TABS "28|56|84"
#define T30 "30|60|90"
#define CAPS "14|28|56"
#define ABX "15|21|30"
#define ML "100|150|200"
#define ONE "1"

const PtDemoCategory _pt_demo_categories[] = {
  { "A02", "Drugs for acid related disorders" },
  { "A03", "Drugs for functional gastrointestinal disorders" },
  { "A06", "Drugs for constipation" },
  { "A07", "Antidiarrheals, intestinal anti-inflammatory agents" },
  { "A10", "Drugs used in diabetes" },
  { "A11", "Vitamins" },
  { "A12", "Mineral supplements" },
  { "B01", "Antithrombotic agents" },
  { "B03", "Antianemic preparations" },
  { "C01", "Cardiac therapy" },
  { "C03", "Diuretics" },
  { "C07", "Beta blocking agents" },
  { "C08", "Calcium channel blockers" },
  { "C09", "Agents acting on the renin-angiotensin system" },
  { "C10", "Lipid modifying agents" },
  { "D01", "Antifungals for dermatological use" },
  { "D06", "Antibiotics and chemotherapeutics for dermatological use" },
  { "D07", "Corticosteroids, dermatological preparations" },
  { "D10", "Anti-acne preparations" },
  { "G03", "Sex hormones and modulators of the genital system" },
  { "G04", "Urologicals" },
  { "H02", "Corticosteroids for systemic use" },
  { "H03", "Thyroid therapy" },
  { "J01", "Antibacterials for systemic use" },
  { "J02", "Antimycotics for systemic use" },
  { "J05", "Antivirals for systemic use" },
  { "L01", "Antineoplastic agents" },
  { "L02", "Endocrine therapy" },
  { "L04", "Immunosuppressants" },
  { "M01", "Anti-inflammatory and antirheumatic products" },
  { "M02", "Topical products for joint and muscular pain" },
  { "M03", "Muscle relaxants" },
  { "M04", "Antigout preparations" },
  { "M05", "Drugs for treatment of bone diseases" },
  { "N02", "Analgesics" },
  { "N03", "Antiepileptics" },
  { "N04", "Anti-parkinson drugs" },
  { "N05", "Psycholeptics" },
  { "N06", "Psychoanaleptics" },
  { "N07", "Other nervous system drugs" },
  { "P01", "Antiprotozoals" },
  { "P02", "Anthelmintics" },
  { "P03", "Ectoparasiticides" },
  { "R01", "Nasal preparations" },
  { "R03", "Drugs for obstructive airway diseases" },
  { "R05", "Cough and cold preparations" },
  { "R06", "Antihistamines for systemic use" },
  { "S01", "Ophthalmologicals" },
};
const guint _pt_demo_n_categories = G_N_ELEMENTS (_pt_demo_categories);

const PtDemoProduct _pt_demo_products[] = {
  /* A02 */
  { "omeprazole", "A02", "gastro-resistant capsule", "10 mg|20 mg|40 mg", CAPS, RX },
  { "esomeprazole", "A02", "gastro-resistant tablet", "20 mg|40 mg", TABS, RX },
  { "lansoprazole", "A02", "gastro-resistant capsule", "15 mg|30 mg", CAPS, RX },
  { "pantoprazole", "A02", "gastro-resistant tablet", "20 mg|40 mg", TABS, RX },
  { "rabeprazole", "A02", "gastro-resistant tablet", "10 mg|20 mg", TABS, RX },
  { "famotidine", "A02", "tablet", "20 mg|40 mg", TABS, RX },
  { "sucralfate", "A02", "tablet", "1 g", "50|100", RX },
  { "calcium carbonate", "A02", "chewable tablet", "500 mg", "24|48|96", OTC },
  /* A03 */
  { "metoclopramide", "A03", "tablet", "10 mg", TABS, RX },
  { "domperidone", "A03", "tablet", "10 mg", "30|100", RX },
  { "hyoscine butylbromide", "A03", "tablet", "10 mg", "20|56", OTC },
  { "mebeverine", "A03", "tablet", "135 mg", "100", RX },
  { "ondansetron", "A03", "orodispersible tablet", "4 mg|8 mg", "10|30", RX },
  /* A06 */
  { "lactulose", "A06", "oral solution", "3.3 g/5 ml", "300|500", OTC },
  { "macrogol", "A06", "powder for oral solution", "13.8 g", "20|30", OTC },
  { "senna", "A06", "tablet", "7.5 mg", "20|60", OTC },
  { "bisacodyl", "A06", "gastro-resistant tablet", "5 mg", "20|40", OTC },
  { "docusate sodium", "A06", "capsule", "100 mg", "30|100", OTC },
  /* A07 */
  { "loperamide", "A07", "capsule", "2 mg", "6|12|30", OTC },
  { "mesalazine", "A07", "gastro-resistant tablet", "400 mg|800 mg|1.2 g", "60|90|120", RX },
  { "budesonide", "A07", "gastro-resistant capsule", "3 mg", "100", RX },
  /* A10 */
  { "metformin", "A10", "tablet", "500 mg|850 mg|1000 mg", TABS, RX },
  { "metformin", "A10", "prolonged-release tablet", "500 mg|750 mg|1000 mg", TABS, RX },
  { "gliclazide", "A10", "tablet", "40 mg|80 mg", TABS, RX },
  { "glimepiride", "A10", "tablet", "1 mg|2 mg|3 mg|4 mg", "30", RX },
  { "sitagliptin", "A10", "tablet", "25 mg|50 mg|100 mg", "28", RX },
  { "linagliptin", "A10", "tablet", "5 mg", "28", RX },
  { "empagliflozin", "A10", "tablet", "10 mg|25 mg", "28", RX },
  { "dapagliflozin", "A10", "tablet", "5 mg|10 mg", "28", RX },
  { "pioglitazone", "A10", "tablet", "15 mg|30 mg|45 mg", TABS, RX },
  { "insulin glargine", "A10", "solution for injection", "100 units/ml", "5|10", RX },
  { "insulin aspart", "A10", "solution for injection", "100 units/ml", "5|10", RX },
  /* A11, A12 */
  { "colecalciferol", "A11", "capsule", "400 IU|800 IU|1000 IU|20000 IU", "30|90", OTC },
  { "thiamine", "A11", "tablet", "50 mg|100 mg", "100", OTC },
  { "folic acid", "A11", "tablet", "400 micrograms|5 mg", "28|90", OTC },
  { "cyanocobalamin", "A11", "tablet", "50 micrograms|1 mg", "50", OTC },
  { "ascorbic acid", "A11", "effervescent tablet", "1 g", "10|20", OTC },
  { "potassium chloride", "A12", "prolonged-release tablet", "600 mg", "100", RX },
  { "calcium carbonate with colecalciferol", "A12", "chewable tablet", "1.5 g/400 IU", "60|100", OTC },
  { "magnesium oxide", "A12", "capsule", "400 mg", "60", OTC },
  /* B01, B03 */
  { "warfarin", "B01", "tablet", "0.5 mg|1 mg|3 mg|5 mg", TABS, RX },
  { "apixaban", "B01", "tablet", "2.5 mg|5 mg", "56|60", RX },
  { "rivaroxaban", "B01", "tablet", "2.5 mg|10 mg|15 mg|20 mg", TABS, RX },
  { "edoxaban", "B01", "tablet", "15 mg|30 mg|60 mg", "28", RX },
  { "dabigatran etexilate", "B01", "capsule", "75 mg|110 mg|150 mg", "60", RX },
  { "clopidogrel", "B01", "tablet", "75 mg", TABS, RX },
  { "acetylsalicylic acid", "B01", "dispersible tablet", "75 mg", "28|56|100", OTC },
  { "ticagrelor", "B01", "tablet", "60 mg|90 mg", "56", RX },
  { "enoxaparin", "B01", "solution for injection", "20 mg/0.2 ml|40 mg/0.4 ml|60 mg/0.6 ml", "10", RX },
  { "ferrous sulfate", "B03", "tablet", "200 mg", "28|84", OTC },
  { "ferrous fumarate", "B03", "tablet", "210 mg|322 mg", "84", OTC },
  /* C01, C03 */
  { "digoxin", "C01", "tablet", "62.5 micrograms|125 micrograms|250 micrograms", TABS, RX },
  { "amiodarone", "C01", "tablet", "100 mg|200 mg", TABS, RX },
  { "isosorbide mononitrate", "C01", "tablet", "10 mg|20 mg|40 mg", "56", RX },
  { "glyceryl trinitrate", "C01", "sublingual spray", "400 micrograms/dose", "180|200", RX },
  { "ivabradine", "C01", "tablet", "5 mg|7.5 mg", "56", RX },
  { "ranolazine", "C01", "prolonged-release tablet", "375 mg|500 mg|750 mg", "60", RX },
  { "furosemide", "C03", "tablet", "20 mg|40 mg|500 mg", TABS, RX },
  { "bendroflumethiazide", "C03", "tablet", "2.5 mg", TABS, RX },
  { "indapamide", "C03", "tablet", "2.5 mg", TABS, RX },
  { "spironolactone", "C03", "tablet", "25 mg|50 mg|100 mg", TABS, RX },
  { "hydrochlorothiazide", "C03", "tablet", "12.5 mg|25 mg", "30", RX },
  { "bumetanide", "C03", "tablet", "1 mg|5 mg", TABS, RX },
  { "eplerenone", "C03", "tablet", "25 mg|50 mg", "28", RX },
  /* C07 */
  { "bisoprolol", "C07", "tablet", "1.25 mg|2.5 mg|5 mg|10 mg", TABS, RX },
  { "atenolol", "C07", "tablet", "25 mg|50 mg|100 mg", TABS, RX },
  { "propranolol", "C07", "tablet", "10 mg|40 mg|80 mg|160 mg", TABS, RX },
  { "metoprolol", "C07", "tablet", "50 mg|100 mg", TABS, RX },
  { "carvedilol", "C07", "tablet", "3.125 mg|6.25 mg|12.5 mg|25 mg", TABS, RX },
  { "nebivolol", "C07", "tablet", "2.5 mg|5 mg", TABS, RX },
  { "sotalol", "C07", "tablet", "40 mg|80 mg|160 mg", TABS, RX },
  /* C08 */
  { "amlodipine", "C08", "tablet", "5 mg|10 mg", TABS, RX },
  { "nifedipine", "C08", "prolonged-release tablet", "10 mg|20 mg|30 mg|60 mg", TABS, RX },
  { "diltiazem", "C08", "prolonged-release capsule", "60 mg|90 mg|120 mg|180 mg|240 mg", TABS, RX },
  { "verapamil", "C08", "tablet", "40 mg|80 mg|120 mg", TABS, RX },
  { "felodipine", "C08", "prolonged-release tablet", "2.5 mg|5 mg|10 mg", TABS, RX },
  { "lercanidipine", "C08", "tablet", "10 mg|20 mg", TABS, RX },
  /* C09 */
  { "ramipril", "C09", "capsule", "1.25 mg|2.5 mg|5 mg|10 mg", TABS, RX },
  { "lisinopril", "C09", "tablet", "2.5 mg|5 mg|10 mg|20 mg", TABS, RX },
  { "enalapril", "C09", "tablet", "2.5 mg|5 mg|10 mg|20 mg", TABS, RX },
  { "perindopril", "C09", "tablet", "2 mg|4 mg|8 mg", "30", RX },
  { "captopril", "C09", "tablet", "12.5 mg|25 mg|50 mg", "56", RX },
  { "candesartan", "C09", "tablet", "2 mg|4 mg|8 mg|16 mg|32 mg", TABS, RX },
  { "losartan", "C09", "tablet", "12.5 mg|25 mg|50 mg|100 mg", TABS, RX },
  { "valsartan", "C09", "capsule", "40 mg|80 mg|160 mg", TABS, RX },
  { "irbesartan", "C09", "tablet", "75 mg|150 mg|300 mg", TABS, RX },
  { "telmisartan", "C09", "tablet", "20 mg|40 mg|80 mg", TABS, RX },
  { "olmesartan medoxomil", "C09", "tablet", "10 mg|20 mg|40 mg", TABS, RX },
  { "sacubitril with valsartan", "C09", "tablet", "24 mg/26 mg|49 mg/51 mg|97 mg/103 mg", "28|56", RX },
  /* C10 */
  { "atorvastatin", "C10", "tablet", "10 mg|20 mg|40 mg|80 mg", TABS, RX },
  { "simvastatin", "C10", "tablet", "10 mg|20 mg|40 mg|80 mg", TABS, RX },
  { "rosuvastatin", "C10", "tablet", "5 mg|10 mg|20 mg|40 mg", TABS, RX },
  { "pravastatin", "C10", "tablet", "10 mg|20 mg|40 mg", TABS, RX },
  { "ezetimibe", "C10", "tablet", "10 mg", TABS, RX },
  { "fenofibrate", "C10", "capsule", "67 mg|200 mg|267 mg", "28|90", RX },
  /* D */
  { "clotrimazole", "D01", "cream", "1%", "20|50", OTC },
  { "terbinafine", "D01", "cream", "1%", "15|30", OTC },
  { "miconazole", "D01", "cream", "2%", "15|30", OTC },
  { "fusidic acid", "D06", "cream", "2%", "15|30", RX },
  { "mupirocin", "D06", "ointment", "2%", "15", RX },
  { "aciclovir", "D06", "cream", "5%", "2|10", OTC },
  { "hydrocortisone", "D07", "cream", "0.5%|1%", "15|30|50", OTC },
  { "betamethasone valerate", "D07", "cream", "0.025%|0.1%", "30|100", RX },
  { "clobetasol propionate", "D07", "ointment", "0.05%", "30|100", RX },
  { "mometasone furoate", "D07", "cream", "0.1%", "30|100", RX },
  { "benzoyl peroxide", "D10", "gel", "2.5%|5%|10%", "30|60", OTC },
  { "adapalene", "D10", "gel", "0.1%", "30", RX },
  /* G */
  { "estradiol", "G03", "tablet", "1 mg|2 mg", "28|84", RX },
  { "levonorgestrel", "G03", "tablet", "1.5 mg", ONE, OTC },
  { "desogestrel", "G03", "tablet", "75 micrograms", "84", RX },
  { "norethisterone", "G03", "tablet", "5 mg", "30", RX },
  { "ethinylestradiol with levonorgestrel", "G03", "tablet", "30 micrograms/150 micrograms", "63", RX },
  { "tamsulosin", "G04", "prolonged-release capsule", "400 micrograms", "30", RX },
  { "finasteride", "G04", "tablet", "1 mg|5 mg", "28|30", RX },
  { "oxybutynin", "G04", "tablet", "2.5 mg|5 mg", "56|84", RX },
  { "solifenacin", "G04", "tablet", "5 mg|10 mg", "30", RX },
  { "mirabegron", "G04", "prolonged-release tablet", "25 mg|50 mg", "30", RX },
  { "sildenafil", "G04", "tablet", "25 mg|50 mg|100 mg", "4|8", RX },
  { "tadalafil", "G04", "tablet", "2.5 mg|5 mg|10 mg|20 mg", "4|28", RX },
  /* H */
  { "prednisolone", "H02", "tablet", "1 mg|5 mg|25 mg", TABS, RX },
  { "dexamethasone", "H02", "tablet", "500 micrograms|2 mg|4 mg", "20|50", RX },
  { "hydrocortisone", "H02", "tablet", "10 mg|20 mg", "30", RX },
  { "fludrocortisone", "H02", "tablet", "100 micrograms", "30", RX },
  { "levothyroxine", "H03", "tablet", "25 micrograms|50 micrograms|75 micrograms|100 micrograms", TABS, RX },
  { "carbimazole", "H03", "tablet", "5 mg|20 mg", "100", RX },
  /* J01 */
  { "amoxicillin", "J01", "capsule", "250 mg|500 mg", ABX, RX },
  { "amoxicillin", "J01", "powder for oral suspension", "125 mg/5 ml|250 mg/5 ml", ML, RX },
  { "co-amoxiclav", "J01", "tablet", "250 mg/125 mg|500 mg/125 mg|875 mg/125 mg", ABX, RX },
  { "phenoxymethylpenicillin", "J01", "tablet", "250 mg", "28", RX },
  { "flucloxacillin", "J01", "capsule", "250 mg|500 mg", "28", RX },
  { "clarithromycin", "J01", "tablet", "250 mg|500 mg", "14", RX },
  { "erythromycin", "J01", "gastro-resistant tablet", "250 mg|500 mg", "28", RX },
  { "azithromycin", "J01", "tablet", "250 mg|500 mg", "3|4|6", RX },
  { "doxycycline", "J01", "capsule", "50 mg|100 mg", "8|14|50", RX },
  { "lymecycline", "J01", "capsule", "408 mg", "28|56", RX },
  { "ciprofloxacin", "J01", "tablet", "250 mg|500 mg|750 mg", "10|20", RX },
  { "levofloxacin", "J01", "tablet", "250 mg|500 mg", "10", RX },
  { "trimethoprim", "J01", "tablet", "100 mg|200 mg", "6|14|28", RX },
  { "nitrofurantoin", "J01", "capsule", "50 mg|100 mg", "30", RX },
  { "cefalexin", "J01", "capsule", "250 mg|500 mg", "21|28", RX },
  { "cefuroxime", "J01", "tablet", "125 mg|250 mg|500 mg", "14", RX },
  { "metronidazole", "J01", "tablet", "200 mg|400 mg|500 mg", "14|21", RX },
  { "clindamycin", "J01", "capsule", "75 mg|150 mg|300 mg", "24", RX },
  { "co-trimoxazole", "J01", "tablet", "480 mg|960 mg", "28|100", RX },
  { "gentamicin", "J01", "solution for injection", "40 mg/ml|80 mg/2 ml", "5|10", RX },
  /* J02, J05 */
  { "fluconazole", "J02", "capsule", "50 mg|150 mg|200 mg", "1|7", RX },
  { "itraconazole", "J02", "capsule", "100 mg", "4|15", RX },
  { "nystatin", "J02", "oral suspension", "100,000 units/ml", "30", RX },
  { "terbinafine", "J02", "tablet", "250 mg", "14|28", RX },
  { "aciclovir", "J05", "tablet", "200 mg|400 mg|800 mg", "25|35|56", RX },
  { "valaciclovir", "J05", "tablet", "250 mg|500 mg", "10|42", RX },
  { "oseltamivir", "J05", "capsule", "30 mg|45 mg|75 mg", "10", RX },
  /* L */
  { "methotrexate", "L01", "tablet", "2.5 mg|10 mg", "24|100", RX },
  { "hydroxycarbamide", "L01", "capsule", "500 mg", "100", RX },
  { "tamoxifen", "L02", "tablet", "10 mg|20 mg", "30", RX },
  { "anastrozole", "L02", "tablet", "1 mg", "28", RX },
  { "letrozole", "L02", "tablet", "2.5 mg", "14|28", RX },
  { "bicalutamide", "L02", "tablet", "50 mg|150 mg", "28", RX },
  { "azathioprine", "L04", "tablet", "25 mg|50 mg", "28|56|100", RX },
  { "mycophenolate mofetil", "L04", "tablet", "500 mg", "50", RX },
  { "tacrolimus", "L04", "capsule", "0.5 mg|1 mg|5 mg", "50|100", RX },
  /* M */
  { "ibuprofen", "M01", "tablet", "200 mg|400 mg|600 mg", "16|24|84", OTC },
  { "ibuprofen", "M01", "oral suspension", "100 mg/5 ml", "100|200", OTC },
  { "naproxen", "M01", "tablet", "250 mg|500 mg", TABS, RX },
  { "diclofenac sodium", "M01", "gastro-resistant tablet", "25 mg|50 mg", TABS, RX },
  { "celecoxib", "M01", "capsule", "100 mg|200 mg", "30|60", RX },
  { "etoricoxib", "M01", "tablet", "30 mg|60 mg|90 mg|120 mg", "28", RX },
  { "meloxicam", "M01", "tablet", "7.5 mg|15 mg", "30", RX },
  { "mefenamic acid", "M01", "capsule", "250 mg", "100", RX },
  { "diclofenac diethylammonium", "M02", "gel", "1.16%|2.32%", "30|50|100", OTC },
  { "ibuprofen", "M02", "gel", "5%|10%", "30|50|100", OTC },
  { "baclofen", "M03", "tablet", "10 mg", "84|100", RX },
  { "tizanidine", "M03", "tablet", "2 mg|4 mg", "120", RX },
  { "methocarbamol", "M03", "tablet", "750 mg", "100", RX },
  { "allopurinol", "M04", "tablet", "100 mg|300 mg", TABS, RX },
  { "colchicine", "M04", "tablet", "500 micrograms", "28|100", RX },
  { "febuxostat", "M04", "tablet", "80 mg|120 mg", "28", RX },
  { "alendronic acid", "M05", "tablet", "70 mg", "4", RX },
  { "risedronate sodium", "M05", "tablet", "5 mg|35 mg", "4|28", RX },
  /* N02 */
  { "paracetamol", "N02", "tablet", "500 mg", "16|32|100", OTC },
  { "paracetamol", "N02", "oral suspension", "120 mg/5 ml|250 mg/5 ml", "100|200", OTC },
  { "paracetamol", "N02", "soluble tablet", "500 mg", "24", OTC },
  { "co-codamol", "N02", "tablet", "8 mg/500 mg|15 mg/500 mg|30 mg/500 mg", "32|100", CD },
  { "codeine phosphate", "N02", "tablet", "15 mg|30 mg|60 mg", "28|100", CD },
  { "dihydrocodeine", "N02", "tablet", "30 mg", "28|100", CD },
  { "tramadol", "N02", "capsule", "50 mg", "30|100", CD },
  { "morphine sulfate", "N02", "oral solution", "10 mg/5 ml", "100|300", CD },
  { "morphine sulfate", "N02", "prolonged-release tablet", "10 mg|30 mg|60 mg", "60", CD },
  { "oxycodone", "N02", "capsule", "5 mg|10 mg|20 mg", "56", CD },
  { "fentanyl", "N02", "transdermal patch", "12 micrograms/hour|25 micrograms/hour|50 micrograms/hour", "5", CD },
  { "buprenorphine", "N02", "transdermal patch", "5 micrograms/hour|10 micrograms/hour|20 micrograms/hour", "4", CD },
  { "sumatriptan", "N02", "tablet", "50 mg|100 mg", "6", RX },
  { "rizatriptan", "N02", "orodispersible tablet", "10 mg", "3|6", RX },
  { "zolmitriptan", "N02", "tablet", "2.5 mg|5 mg", "6", RX },
  /* N03 */
  { "levetiracetam", "N03", "tablet", "250 mg|500 mg|750 mg|1000 mg", "60", RX },
  { "lamotrigine", "N03", "tablet", "25 mg|50 mg|100 mg|200 mg", "56", RX },
  { "sodium valproate", "N03", "gastro-resistant tablet", "200 mg|500 mg", "100", RX },
  { "carbamazepine", "N03", "tablet", "100 mg|200 mg|400 mg", "56|84", RX },
  { "phenytoin sodium", "N03", "capsule", "25 mg|50 mg|100 mg|300 mg", "28|84", RX },
  { "gabapentin", "N03", "capsule", "100 mg|300 mg|400 mg", "100", CD },
  { "pregabalin", "N03", "capsule", "25 mg|50 mg|75 mg|150 mg|300 mg", "56", CD },
  { "topiramate", "N03", "tablet", "25 mg|50 mg|100 mg", "60", RX },
  { "clonazepam", "N03", "tablet", "500 micrograms|2 mg", "100", CD },
  /* N04 */
  { "co-careldopa", "N04", "tablet", "12.5 mg/50 mg|25 mg/100 mg|25 mg/250 mg", "90|100", RX },
  { "ropinirole", "N04", "tablet", "250 micrograms|1 mg|2 mg|5 mg", "84", RX },
  { "pramipexole", "N04", "tablet", "88 micrograms|180 micrograms|700 micrograms", "30|100", RX },
  { "rasagiline", "N04", "tablet", "1 mg", "28", RX },
  /* N05 */
  { "diazepam", "N05", "tablet", "2 mg|5 mg|10 mg", "28", CD },
  { "lorazepam", "N05", "tablet", "1 mg|2.5 mg", "28", CD },
  { "temazepam", "N05", "tablet", "10 mg|20 mg", "28", CD },
  { "zopiclone", "N05", "tablet", "3.75 mg|7.5 mg", "28", CD },
  { "zolpidem", "N05", "tablet", "5 mg|10 mg", "28", CD },
  { "quetiapine", "N05", "tablet", "25 mg|100 mg|200 mg|300 mg", "60", RX },
  { "olanzapine", "N05", "tablet", "2.5 mg|5 mg|10 mg|15 mg|20 mg", "28", RX },
  { "risperidone", "N05", "tablet", "500 micrograms|1 mg|2 mg|3 mg|4 mg", "20|60", RX },
  { "aripiprazole", "N05", "tablet", "5 mg|10 mg|15 mg|30 mg", "28", RX },
  { "haloperidol", "N05", "tablet", "500 micrograms|1.5 mg|5 mg|10 mg", "28", RX },
  { "lithium carbonate", "N05", "prolonged-release tablet", "200 mg|400 mg", "100", RX },
  { "promethazine hydrochloride", "N05", "tablet", "10 mg|25 mg", "56", OTC },
  { "melatonin", "N05", "prolonged-release tablet", "2 mg", "30", RX },
  /* N06 */
  { "sertraline", "N06", "tablet", "50 mg|100 mg", TABS, RX },
  { "citalopram", "N06", "tablet", "10 mg|20 mg|40 mg", TABS, RX },
  { "escitalopram", "N06", "tablet", "5 mg|10 mg|20 mg", TABS, RX },
  { "fluoxetine", "N06", "capsule", "10 mg|20 mg|60 mg", "30", RX },
  { "fluoxetine", "N06", "oral solution", "20 mg/5 ml", "70", RX },
  { "paroxetine", "N06", "tablet", "10 mg|20 mg|30 mg", "30", RX },
  { "mirtazapine", "N06", "tablet", "15 mg|30 mg|45 mg", "28", RX },
  { "venlafaxine", "N06", "prolonged-release capsule", "37.5 mg|75 mg|150 mg", "28", RX },
  { "duloxetine", "N06", "gastro-resistant capsule", "30 mg|60 mg", "28", RX },
  { "amitriptyline", "N06", "tablet", "10 mg|25 mg|50 mg", TABS, RX },
  { "nortriptyline", "N06", "capsule", "10 mg|25 mg", "30|100", RX },
  { "trazodone", "N06", "capsule", "50 mg|100 mg", "84", RX },
  { "methylphenidate", "N06", "prolonged-release tablet", "18 mg|27 mg|36 mg|54 mg", "30", CD },
  { "methylphenidate", "N06", "tablet", "5 mg|10 mg|20 mg", "30", CD },
  { "atomoxetine", "N06", "capsule", "10 mg|18 mg|25 mg|40 mg|60 mg", "28", RX },
  { "donepezil", "N06", "tablet", "5 mg|10 mg", "28", RX },
  { "memantine", "N06", "tablet", "10 mg|20 mg", "28", RX },
  { "caffeine", "N06", "tablet", "50 mg", "24", OTC },
  /* N07 */
  { "nicotine", "N07", "medicated chewing gum", "2 mg|4 mg", "30|105", OTC },
  { "nicotine", "N07", "transdermal patch", "7 mg/24 hours|14 mg/24 hours|21 mg/24 hours", "7|14", OTC },
  { "methadone", "N07", "oral solution", "1 mg/ml", "100|500", CD },
  { "naltrexone", "N07", "tablet", "50 mg", "28", RX },
  { "betahistine", "N07", "tablet", "8 mg|16 mg", "84|120", RX },
  { "pyridostigmine", "N07", "tablet", "60 mg", "200", RX },
  /* P */
  { "hydroxychloroquine", "P01", "tablet", "200 mg", "60", RX },
  { "atovaquone with proguanil", "P01", "tablet", "250 mg/100 mg", "12", RX },
  { "mebendazole", "P02", "chewable tablet", "100 mg", "1|4", OTC },
  { "ivermectin", "P02", "tablet", "3 mg", "4", RX },
  { "permethrin", "P03", "cream", "5%", "30", OTC },
  { "dimeticone", "P03", "cutaneous solution", "4%", "50|150", OTC },
  /* R01 */
  { "xylometazoline", "R01", "nasal spray", "0.05%|0.1%", "10|15", OTC },
  { "mometasone furoate", "R01", "nasal spray", "50 micrograms/dose", "140", RX },
  { "fluticasone propionate", "R01", "nasal spray", "50 micrograms/dose", "150", OTC },
  { "beclometasone dipropionate", "R01", "nasal spray", "50 micrograms/dose", "200", OTC },
  { "sodium chloride", "R01", "nasal spray", "0.9%", "20|30", OTC },
  /* R03 */
  { "salbutamol", "R03", "pressurised inhalation", "100 micrograms/dose", "200", RX },
  { "salbutamol", "R03", "nebuliser solution", "2.5 mg/2.5 ml|5 mg/2.5 ml", "20", RX },
  { "beclometasone dipropionate", "R03", "pressurised inhalation", "50 micrograms/dose|100 micrograms/dose|200 micrograms/dose", "200", RX },
  { "budesonide", "R03", "inhalation powder", "100 micrograms/dose|200 micrograms/dose|400 micrograms/dose", "120|200", RX },
  { "fluticasone propionate", "R03", "pressurised inhalation", "50 micrograms/dose|125 micrograms/dose|250 micrograms/dose", "120", RX },
  { "budesonide with formoterol", "R03", "inhalation powder", "100/6 micrograms/dose|200/6 micrograms/dose|400/12 micrograms/dose", "60|120", RX },
  { "salmeterol", "R03", "pressurised inhalation", "25 micrograms/dose", "120", RX },
  { "formoterol", "R03", "inhalation powder", "12 micrograms/dose", "60", RX },
  { "tiotropium", "R03", "inhalation powder", "18 micrograms", "30", RX },
  { "ipratropium bromide", "R03", "pressurised inhalation", "20 micrograms/dose", "200", RX },
  { "montelukast", "R03", "tablet", "10 mg", "28", RX },
  { "montelukast", "R03", "chewable tablet", "4 mg|5 mg", "28", RX },
  { "theophylline", "R03", "prolonged-release tablet", "200 mg|300 mg", "56", RX },
  /* R05 */
  { "dextromethorphan", "R05", "oral solution", "15 mg/5 ml", "100|200", OTC },
  { "guaifenesin", "R05", "oral solution", "100 mg/5 ml", "150|200", OTC },
  { "carbocisteine", "R05", "capsule", "375 mg", "120", RX },
  { "pholcodine", "R05", "oral solution", "5 mg/5 ml", "90|200", OTC },
  { "pseudoephedrine", "R05", "tablet", "60 mg", "12", OTC },
  /* R06 */
  { "cetirizine", "R06", "tablet", "10 mg", "7|14|30", OTC },
  { "cetirizine", "R06", "oral solution", "1 mg/ml", "70|200", OTC },
  { "loratadine", "R06", "tablet", "10 mg", "7|14|30", OTC },
  { "fexofenadine", "R06", "tablet", "120 mg|180 mg", "30", RX },
  { "chlorphenamine", "R06", "tablet", "4 mg", "28", OTC },
  { "desloratadine", "R06", "tablet", "5 mg", "30", RX },
  { "hydroxyzine", "R06", "tablet", "10 mg|25 mg", "28|84", RX },
  { "acrivastine", "R06", "capsule", "8 mg", "12|24", OTC },
  /* S01 */
  { "chloramphenicol", "S01", "eye drops", "0.5%", "10", OTC },
  { "chloramphenicol", "S01", "eye ointment", "1%", "4", OTC },
  { "latanoprost", "S01", "eye drops", "50 micrograms/ml", ONE, RX },
  { "timolol", "S01", "eye drops", "0.25%|0.5%", "5", RX },
  { "hypromellose", "S01", "eye drops", "0.3%", "10", OTC },
  { "sodium cromoglicate", "S01", "eye drops", "2%", "10", OTC },
  { "fusidic acid", "S01", "eye drops", "1%", "5", RX },
};
const guint _pt_demo_n_products = G_N_ELEMENTS (_pt_demo_products);

/* Endings for brand-like names built from the generic's stem. */
const gchar * const _pt_demo_brand_suffixes[] = {
  "ex", "ol", "ara", "ivo", "ix", "on", "ane", "ium", "era", "al", "ina", "or",
  "ent", "idel", "ovan", "ast", "uma", "ylan", "ovir", "etta", "ax", "ira",
  "amed", "orin", "ello", "ova", "ium", "ex Retard", "ol Plus", "ara Mite",
};
const guint _pt_demo_n_brand_suffixes = G_N_ELEMENTS (_pt_demo_brand_suffixes);

const gchar * const _pt_demo_manufacturers[] = {
  "Northbridge Pharma", "Helvex Generics", "Aurelia Laboratories", "Brightwell Healthcare",
  "Caledon Pharmaceuticals", "Dunmore Medical", "Elmstead Labs", "Fairhaven Pharma",
  "Greyfield Therapeutics", "Harrowgate Generics", "Ivel Pharmaceuticals", "Juniper Health",
  "Kestrel Pharma", "Larkspur Laboratories", "Marlow Medicines", "Nettlebed Generics",
  "Oakridge Pharmaceuticals", "Penrose Healthcare", "Quarry Hill Labs", "Rosebank Pharma",
  "Saltmarsh Medical", "Thornbury Generics", "Upland Pharmaceuticals", "Valemont Labs",
  "Westcombe Pharma", "Yarrow Therapeutics", "Zephyr Generics", "Alder & Finch Pharma",
  "Bellhaven Laboratories", "Cygnet Healthcare",
};
const guint _pt_demo_n_manufacturers = G_N_ELEMENTS (_pt_demo_manufacturers);

const gchar * const _pt_demo_suppliers[] = {
  "Central Pharma Wholesale", "MedLine Distribution", "Apex Healthcare Supply",
  "Riverside Wholesale Chemists", "Unity Pharmaceutical Distributors",
  "Crown Medical Supplies",
};
const guint _pt_demo_n_suppliers = G_N_ELEMENTS (_pt_demo_suppliers);

const gchar * const _pt_demo_given_names[] = {
  "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophia", "Lily", "Freya", "Emily",
  "Ella", "Aisha", "Zara", "Priya", "Fatima", "Chloe", "Hannah", "Ruby", "Evie", "Maryam",
  "Sofia", "Anna", "Maria", "Elena", "Julia", "Nadia", "Ines", "Leila", "Yasmin", "Niamh",
  "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie", "Muhammad",
  "Thomas", "James", "William", "Henry", "Jacob", "Alfie", "Ethan", "Samuel", "Daniel", "Joseph",
  "Adam", "Omar", "Ibrahim", "Arjun", "Rohan", "Mateo", "Lucas", "Luca", "Kofi", "Tomasz",
  "Piotr", "Andrei", "Sean", "Callum", "Rhys", "Dylan", "Margaret", "Patricia", "Susan",
  "Dorothy", "Barbara", "Joan", "Brian", "Keith", "Graham", "Colin", "Derek", "Sandra",
  "Pauline", "Gareth", "Eileen", "Kwame", "Chidi", "Mei", "Wei", "Hiroshi", "Yuki", "Ananya",
  "Siobhan", "Agnieszka",
};
const guint _pt_demo_n_given_names = G_N_ELEMENTS (_pt_demo_given_names);

const gchar * const _pt_demo_family_names[] = {
  "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
  "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
  "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
  "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
  "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett",
  "Young", "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh", "Shaw",
  "Bell", "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall",
  "Simpson", "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis",
  "Murphy", "Chapman", "Mason", "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer",
  "Campbell", "Holmes", "Mills", "Rogers", "Barnes", "Knight", "Matthews", "Barker", "Nowak",
  "Kowalski", "O'Brien", "Okafor", "Mensah", "Chen", "Wang", "Nguyen", "Rossi", "Fernandes",
  "Silva", "Sharma", "Gupta", "Müller", "Dubois",
};
const guint _pt_demo_n_family_names = G_N_ELEMENTS (_pt_demo_family_names);

const gchar * const _pt_demo_streets[] = {
  "High Street", "Station Road", "Church Lane", "Main Street", "Park Road", "Victoria Road",
  "Green Lane", "Manor Road", "Church Street", "Queens Road", "New Road", "Mill Lane",
  "King Street", "Kings Road", "The Avenue", "London Road", "Springfield Road", "York Road",
  "Windsor Road", "Grange Road", "Albert Road", "Orchard Close", "Meadow View", "Elm Grove",
};
const guint _pt_demo_n_streets = G_N_ELEMENTS (_pt_demo_streets);

const gchar * const _pt_demo_towns[] = {
  "Ashford", "Bexley", "Chesterfield", "Dorchester", "Exmouth", "Farnham", "Guildford",
  "Harrogate", "Ilkley", "Kendal", "Lewes", "Malvern", "Newbury", "Oakham", "Penrith",
  "Reigate", "Stroud", "Taunton", "Ulverston", "Wantage", "Whitby", "Yeovil",
};
const guint _pt_demo_n_towns = G_N_ELEMENTS (_pt_demo_towns);

const gchar * const _pt_demo_conditions[] = {
  "Hypertension", "Type 2 diabetes", "Asthma", "COPD", "Atrial fibrillation",
  "Hypothyroidism", "Depression", "Osteoarthritis", "Chronic kidney disease stage 3",
  "Epilepsy", "Migraine", "Gout", "Heart failure", "Hypercholesterolaemia", "GORD",
  "Psoriasis", "Eczema", "Anxiety", "Parkinson's disease", "Glaucoma",
};
const guint _pt_demo_n_conditions = G_N_ELEMENTS (_pt_demo_conditions);

const gchar * const _pt_demo_prescribers[] = {
  "Dr Sarah Whitfield", "Dr Imran Qureshi", "Dr Helen McAllister", "Dr Tom Eriksen",
  "Dr Adaeze Okonkwo", "Dr Peter Lindqvist", "Dr Rachel Goldberg", "Dr Sanjay Mehta",
  "Dr Claire Fontaine", "Dr Michael O'Neill", "Nurse Prescriber Jo Harding",
  "Dr Lucy Abernethy",
};
const guint _pt_demo_n_prescribers = G_N_ELEMENTS (_pt_demo_prescribers);

const PtDemoCategory *
_pt_demo_category_lookup (const gchar *code)
{
  for (guint i = 0; i < _pt_demo_n_categories; i++)
    if (strcmp (_pt_demo_categories[i].code, code) == 0)
      return &_pt_demo_categories[i];
  return NULL;
}
